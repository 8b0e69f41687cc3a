-- What moved each market's metrics (the market pages' "What moved" section): the eight largest
-- drivers of each market and metric over every dimension (rate_drivers' metric_rank), their
-- contribution split into mix and rate. Segments are policies, queues, sources and object
-- types: no id. Only comparisons whose market rate exists on both sides.
select
    market,
    metric,
    dimension,
    segment,
    baseline_share,
    period_share,
    baseline_rate,
    period_rate,
    mix_effect,
    rate_effect,
    contribution,
    baseline_market_rate,
    period_market_rate,
    market_change,
    baseline_first_day,
    baseline_last_day,
    period_first_day,
    period_last_day,
    period_settled,
    metric_rank
from rate_drivers
where metric_rank <= 8 and contribution is not null
order by market, metric, metric_rank;
