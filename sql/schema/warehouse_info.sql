-- warehouse_info: one row, the settings the current numbers were computed with.
create table if not exists warehouse_info (
    as_of_date date not null,              -- provisional = metric_date > as_of_date - appeal_window_days
    reporting_timezone varchar not null,   -- the reporting zone (as_of, a market without its own)
    duckdb_version varchar not null,       -- the DuckDB whose hash() made the stored row_hash
    appeal_window_days integer not null,
    last_run_id varchar not null,
    last_run_at timestamptz not null
);

-- audit_provisional = metric_date > as_of_date - audit_window_days (a warehouse made before it
-- gets the column empty; the next run's warehouse_info.sql fills it)
alter table warehouse_info add column if not exists audit_window_days integer;

-- the run's settings, SQL files and DuckDB version, hashed (assets/run_inputs.py): `modmetrics run`
-- starts no pipeline when they, the as-of date and the landing files are the last run's
alter table warehouse_info add column if not exists settings_fingerprint varchar;
