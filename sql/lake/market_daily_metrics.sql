-- lake/market_daily_metrics: the headline metrics per market and day (view
-- `market_daily_metrics`), every column, for the Parquet lake. Grain: (metric_date, market).
-- Partitions: metric_date, market. `provisional` is as of the last run (warehouse_info).
-- Variables: first_day, last_day (the metric days exported).
select *  -- every column of the view, metric_date and market included
from market_daily_metrics
where metric_date between getvariable('first_day') and getvariable('last_day')
