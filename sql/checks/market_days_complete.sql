-- market_days_complete: among the days this run recomputed, (metric_date, market) pairs with
-- accepted decisions but no metrics row, or whose decision count differs. Returns the violating
-- pairs; zero rows = pass. Variables: run_id.
with recomputed as (
    select distinct metric_date from daily_metrics where run_id = getvariable('run_id')
),

from_decisions as (
    select metric_date, market, count(*) as decisions
    from decisions
    where metric_date in (select metric_date from recomputed)
    group by metric_date, market
),

from_metrics as (
    select metric_date, market, decisions
    from market_daily_metrics
    where metric_date in (select metric_date from recomputed)
)

select
    coalesce(from_decisions.metric_date, from_metrics.metric_date) as metric_date,
    coalesce(from_decisions.market, from_metrics.market) as market,
    from_decisions.decisions as accepted_decisions,
    from_metrics.decisions as metric_decisions
from from_decisions
full join from_metrics using (metric_date, market)
where from_decisions.decisions is distinct from from_metrics.decisions
order by 1, 2
