-- Policy x day heatmaps of overkill and leakage, per market.
select first_day as metric_date, market, policy, metric, value, low, high, numerator, denominator, sample_size
from metric_values(metric_breakdowns)
where breakdown = 'policy' and period = 'day' and metric in ('overkill_rate', 'leakage_rate')
order by market, policy, metric_date, metric;
