-- earliest_checked_appeal: the variable earliest_checked_appeal, the earliest appealed_at of the
-- appeal states that the appeal files of run run_id (every file when every_day) hold in
-- `appeals`: those sql/checks/appeal_file_profiles.sql judges. Only a decision taken after it
-- can be taken after one of them, so the profile reads only those decisions, on a constant
-- bound DuckDB prunes row groups with: the check costs the appeal window, not the history.
-- Infinity when there is no such appeal (no decision is read). Variables: run_id, every_day.
set variable earliest_checked_appeal = (
    select coalesce(min(appealed_at), 'infinity'::timestamptz)
    from appeals
    where file_id in (
        select file_id
        from file_manifest
        where kind = 'appeals'
          and status = 'ingested'
          and (run_id = getvariable('run_id') or getvariable('every_day'))
    )
);
