-- The projected final overkill and leakage of each market's provisional days, with their 95%
-- interval and the expected share of overturns already known (market_daily_metrics, from
-- views/overturn_nowcast.sql): the trends draw them beside the observed values.
select
    metric_date,
    market,
    'overkill_rate' as metric,
    overkill_rate_projected as value,
    overkill_rate_projected_low as low,
    overkill_rate_projected_high as high,
    overkill_completeness as completeness
from market_daily_metrics
where provisional
union all
select
    metric_date,
    market,
    'leakage_rate' as metric,
    leakage_rate_projected as value,
    leakage_rate_projected_low as low,
    leakage_rate_projected_high as high,
    leakage_completeness as completeness
from market_daily_metrics
where provisional
order by metric, market, metric_date;
