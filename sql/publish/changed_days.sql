-- changed_days: the metric days whose rows differ between the working warehouse (catalog working)
-- and the published file being brought up to date (catalog published). Grain: metric_date.
-- Method: every write to decision_rows (new rows, withdrawn files, duplicate verdicts, a market's
-- new time zone) queues its days in stale_metric_days, and the metrics step rewrites each queued
-- day of daily_metrics, overturn_development and audit_development with its run_id; so a day's
-- rows differ exactly where its (metric_date, run_id) pairs do. Reads daily_metrics of both
-- (a few rows a day), never decision_rows.
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
