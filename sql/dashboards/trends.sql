-- Daily trends: each market's metrics per day with their interval (breakdown 'market', period
-- 'day' of metric_breakdowns: the numbers of market_daily_metrics).
select first_day as metric_date, market, metric, value, low, high, numerator, denominator, sample_size, provisional
from metric_values(metric_breakdowns)
where breakdown = 'market' and period = 'day'
order by metric, market, metric_date;
