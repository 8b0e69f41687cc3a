-- changed_days: the metric days whose rows differ between the working warehouse (catalog working)
-- and the published file being brought up to date (catalog published). Grain: metric_date.
-- Method: every change a run makes to a day of daily_metrics, overturn_development or
-- audit_development (the groups of the decisions it changed, sql/metrics/restated_decisions.sql;
-- the days it recomputes whole, stale_metric_days) stamps every row of that day of the three
-- tables with its run_id; so a day's rows differ exactly where its (metric_date, run_id) pairs
-- do. Reads daily_metrics of both (a few rows a day), never decision_rows.
create or replace temp table changed_days as
with working_keys as (
    select distinct metric_date, run_id from working.daily_metrics
),

published_keys as (
    select distinct metric_date, run_id from published.daily_metrics
),

differing as (
    (select * from working_keys except select * from published_keys)
    union all
    (select * from published_keys except select * from working_keys)
)

select distinct metric_date
from differing;
