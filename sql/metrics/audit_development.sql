-- audit_development: the audits of the stale metric days by development age, one row per
-- (metric_date, market, policy, source, object_type, queue, action, development_age) with at
-- least one audit. The lag data of the audit completeness (views/audit_completeness.sql).
-- development_age = days from the decision's metric_date to the day its audit arrived: the
-- counting audit's audited_at (audits holds one per decision), as a date in the market's time
-- zone (macros.sql market_day; macros.sql decision_outcomes, audit_ages).
-- Summed over the ages, the rows of a day give daily_counts' audited_penalties and
-- audited_no_actions. DuckDB runs it through metrics/daily_metrics.sql, the Spark engine
-- translated. Reads day_decisions (metrics/day_decisions.sql), appeals, audits. Variables:
-- market_timezones.
with outcomes as (
    select * from decision_outcomes(day_decisions, appeals, audits)  -- macros.sql
)

select * from audit_ages(outcomes)  -- macros.sql
