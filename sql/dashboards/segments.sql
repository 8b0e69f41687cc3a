-- Machine vs human and object type over the last 7 days, per market.
select
    market,
    breakdown,
    coalesce(source, object_type) as segment,
    metric,
    value,
    low,
    high,
    numerator,
    denominator,
    sample_size,
    first_day,
    last_day
from metric_values(metric_breakdowns)
where breakdown in ('source', 'object_type') and period = 'last_7_days'
order by market, breakdown, segment, metric;
