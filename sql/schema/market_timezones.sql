-- market_timezones: one row per market, the IANA zone its stored metric_dates are in (its
-- [markets.<market>] timezone, else the reporting_timezone of the run that dated them). A run
-- whose zone for a market differs restates that market's days (ingest/restate_timezone.sql).
-- Empty in a warehouse made before markets had zones: its days are in warehouse_info's
-- reporting_timezone.
create table if not exists market_timezones (
    market varchar primary key,
    timezone varchar not null
);
