-- warehouse_info: record the settings the numbers were computed with (one row).
-- Variables: as_of_date, reporting_timezone, appeal_window_days, run_id, run_started_at.
delete from warehouse_info;

insert into warehouse_info
select
    getvariable('as_of_date')::date,
    getvariable('reporting_timezone'),
    version(),
    getvariable('appeal_window_days')::integer,
    getvariable('run_id'),
    getvariable('run_started_at');
