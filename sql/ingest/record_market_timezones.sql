-- record_market_timezones: remember the zone each market's stored metric_dates are in (table
-- market_timezones), in the transaction that dated them: every decisions ingest, and the Spark
-- engine's load. Variables: market_timezones (MAP market -> zone).
delete from market_timezones;

insert into market_timezones
select
    unnest(map_keys(getvariable('market_timezones'))) as market,
    unnest(map_values(getvariable('market_timezones'))) as timezone;
