-- audit_development: the audits of the stale metric days by development age, one row per
-- (metric_date, market, policy, source, object_type, queue, action, development_age) with at
-- least one audit. The lag data of the audit completeness (views/audit_completeness.sql).
-- development_age = days from the decision's metric_date to the day its audit arrived: the
-- counting audit's audited_at (audits holds one per decision), as a date in the market's time
-- zone (macros.sql market_day, the rule that makes metric_date from decided_at).
-- Summed over the ages, the rows of a day give daily_counts' audited_penalties and
-- audited_no_actions. DuckDB runs it through metrics/daily_metrics.sql, the Spark engine
-- translated. Reads decisions, audits, stale_metric_days. Variables: market_timezones.
with day_decisions as (
    select * from stale_decisions(decisions, stale_metric_days)  -- macros.sql
)

select
    day_decisions.metric_date,
    day_decisions.market,
    day_decisions.policy,
    day_decisions.source,
    day_decisions.object_type,
    day_decisions.queue,
    day_decisions.action,
    datediff(
        'day',
        day_decisions.metric_date,
        market_day(day_decisions.market, audits.audited_at)
    ) as development_age,
    count(*) as audits
from day_decisions
inner join audits using (decision_id)
group by
    day_decisions.metric_date, day_decisions.market, day_decisions.policy,
    day_decisions.source, day_decisions.object_type, day_decisions.queue, day_decisions.action,
    development_age
