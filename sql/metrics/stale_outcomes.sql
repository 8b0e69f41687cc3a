-- stale_outcomes: what each decision of the metric days in stale_metric_days counts for, one row
-- per decision: its appeals' outcome, its counting audit and the development ages of the
-- nowcast's and the audit completeness's lag data (macros.sql decision_outcomes). Computed once
-- per run and summed three ways: metrics/daily_counts.sql, metrics/overturn_development.sql and
-- metrics/audit_development.sql (each would otherwise read every stored appeal and audit
-- again). DuckDB stores it as a temp table (assets/metrics.py), the Spark engine translated
-- (assets/spark/engine.py). Reads decisions, appeals, audits and stale_metric_days (the days to
-- count). Variables: market_timezones.
with day_decisions as (
    select * from stale_decisions(decisions, stale_metric_days)  -- macros.sql
)

select * from decision_outcomes(day_decisions, appeals, audits)  -- macros.sql
