-- warehouse_info: record the settings the numbers were computed with (one row).
-- Variables: as_of_date, reporting_timezone, appeal_window_days, audit_window_days, run_id,
-- run_started_at, settings_fingerprint.
delete from warehouse_info;

insert into warehouse_info by name
select
    getvariable('as_of_date')::date as as_of_date,
    getvariable('reporting_timezone') as reporting_timezone,
    version() as duckdb_version,
    getvariable('appeal_window_days')::integer as appeal_window_days,
    getvariable('run_id') as last_run_id,
    getvariable('run_started_at') as last_run_at,
    getvariable('audit_window_days')::integer as audit_window_days,
    getvariable('settings_fingerprint') as settings_fingerprint;
