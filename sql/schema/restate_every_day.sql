-- Queue every day with decisions for recomputation: run once after daily_metrics was rebuilt
-- with a new grain (a warehouse made by an earlier version).
insert into stale_metric_days
select distinct metric_date from decision_rows;
