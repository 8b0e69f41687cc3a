-- first_file_id: the variable first_file_id, the smallest file_id of run run_id's files (0 when
-- every_day; one past every file when the run read none). A run's files get ids after every
-- stored one, so `file_id >= getvariable('first_file_id')` keeps all of them, and DuckDB skips
-- the row groups of older files: the checks of a run's files cost what its files hold, not the
-- history. Only a bound: the checks still select by run_id. Variables: run_id, every_day.
set variable first_file_id = (
    select
        case
            when coalesce(getvariable('every_day'), false) then 0
            else coalesce(min(file_id) filter (where run_id = getvariable('run_id')),
                          max(file_id) + 1,
                          0)
        end
    from file_manifest
);
