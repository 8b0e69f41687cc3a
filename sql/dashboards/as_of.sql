-- The stamp on every page: what the numbers are as of, and the KPI windows.
select
    warehouse_info.as_of_date,
    warehouse_info.last_run_at,
    warehouse_info.last_run_id,  -- the site records the run it was built from
    warehouse_info.reporting_timezone,
    warehouse_info.appeal_window_days,
    (select last_day from kpi_periods where period = 'latest_day') as latest_complete_day,
    (select min(metric_date) from daily_metrics) as first_day,
    (select max(metric_date) from daily_metrics) as last_day
from warehouse_info;
