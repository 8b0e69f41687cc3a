-- market_days_complete: (metric_date, market) pairs with accepted decisions but no metrics row,
-- or whose decision count differs. Returns the violating pairs; zero rows = pass.
with from_decisions as (
    select metric_date, market, count(*) as decisions
    from decisions
    group by metric_date, market
)

select
    coalesce(from_decisions.metric_date, market_daily_metrics.metric_date) as metric_date,
    coalesce(from_decisions.market, market_daily_metrics.market) as market,
    from_decisions.decisions as accepted_decisions,
    market_daily_metrics.decisions as metric_decisions
from from_decisions
full join market_daily_metrics using (metric_date, market)
where from_decisions.decisions is distinct from market_daily_metrics.decisions
order by 1, 2
