-- market_timezones: the checks date appeals and audits in the zones the stored metric days are
-- in (table market_timezones, which every decisions ingest records), so that an arrival day and
-- a metric day of one market are the same kind of day. Sets variable market_timezones.
set variable market_timezones = (
    select map(list(market order by market), list(timezone order by market))
    from market_timezones
);
