-- timezone_changes: the markets whose stored metric days are in another zone than this run's.
-- Grain: market. Compares market_timezones (the zones the stored days are in; a warehouse made
-- before markets had zones dated every market in warehouse_info's reporting_timezone) with the
-- run's zones. Variables: market_timezones (MAP market -> zone).
with wanted as (
    select unnest(map_keys(getvariable('market_timezones'))) as market
)

select wanted.market
from wanted
left join market_timezones as stored using (market)
where getvariable('market_timezones')[wanted.market] is distinct from coalesce(
    stored.timezone, (select reporting_timezone from warehouse_info)
)
order by wanted.market
