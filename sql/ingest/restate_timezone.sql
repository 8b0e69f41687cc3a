-- restate_timezone: a market's time zone changed, so its decisions' metric_dates move; recompute
-- its old and new days (the metrics step rewrites a stale day for every market, so the old days
-- lose its rows and the new ones gain them). The other markets' days stay as they are. Runs in
-- the decisions ingest transaction, before the merge, so that stored and new decisions are
-- always dated in the same zone. Reads temp table restated_markets (ingest/timezone_changes.sql).
-- Variables: market_timezones.
insert into stale_metric_days
select distinct metric_date
from decision_rows
where market in (select market from restated_markets);

update decision_rows
set metric_date = market_day(market, decided_at)
where market in (select market from restated_markets);

insert into stale_metric_days
select distinct metric_date
from decision_rows
where market in (select market from restated_markets);
