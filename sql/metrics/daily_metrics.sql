-- daily_metrics: recompute whole the additive counts of the days queued in stale_metric_days
-- (new days, a market's days in its new time zone), and only those; the decisions a run changed
-- on the other days are brought up to date before, by metrics/restated_decisions.sql.
-- Grain: (metric_date, market, policy, source, object_type, queue). Rewrites the days in
-- stale_metric_days (delete, then insert), then empties that queue. Appeals and audits count on
-- their decision's metric_date (cohort by decision day): the counts are metrics/daily_counts.sql,
-- which assets/metrics.py makes the temp view daily_counts. The same days of the nowcast's lag
-- data, overturn_development (metrics/overturn_development.sql, the temp view of that name's
-- counts, overturn_development_counts), and of the audit completeness, audit_development
-- (metrics/audit_development.sql, temp view audit_development_counts), are rewritten with them.
-- Variables: run_id.
delete from daily_metrics where metric_date in (select metric_date from stale_metric_days);
delete from overturn_development where metric_date in (select metric_date from stale_metric_days);
delete from audit_development where metric_date in (select metric_date from stale_metric_days);

insert into daily_metrics
select *, getvariable('run_id') as run_id
from daily_counts;  -- sql/metrics/daily_counts.sql, a temp view

insert into overturn_development
select *, getvariable('run_id') as run_id
from overturn_development_counts;  -- sql/metrics/overturn_development.sql, a temp view

insert into audit_development
select *, getvariable('run_id') as run_id
from audit_development_counts;  -- sql/metrics/audit_development.sql, a temp view

delete from stale_metric_days;
