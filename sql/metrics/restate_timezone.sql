-- restate_timezone: when the reporting time zone setting changes, every decision's metric_date
-- moves; recompute all days. Runs only when warehouse_info holds another time zone.
-- Variables: reporting_timezone.
update decision_rows
set metric_date = (decided_at at time zone getvariable('reporting_timezone'))::date;

delete from daily_metrics;

insert into stale_metric_days
select distinct metric_date from decision_rows;
