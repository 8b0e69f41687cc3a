-- restate_timezone: the reporting time zone setting changed, so every decision's metric_date
-- moves; recompute all days. Runs in the decisions ingest transaction, before the merge, so that
-- stored and new decisions are always dated in the same zone. Variables: reporting_timezone.
update decision_rows
set metric_date = (decided_at at time zone getvariable('reporting_timezone'))::date;

delete from daily_metrics;

insert into stale_metric_days
select distinct metric_date from decision_rows;

update warehouse_info set reporting_timezone = getvariable('reporting_timezone');
