-- daily_counts: the additive counts of the metric days in stale_metric_days, one row per
-- (metric_date, market, policy, source, object_type, queue). DuckDB runs it through
-- metrics/daily_metrics.sql, the Spark engine translated (see assets/spark/translate.py).
-- Appeals and audits count on their decision's metric_date (cohort by decision day): what one
-- decision counts for is macros.sql decision_outcomes, the sums outcome_counts (the same
-- definitions metrics/restated_decisions.sql applies to the decisions a run changed).
-- Reads day_decisions (metrics/day_decisions.sql: the decisions of the days to count), appeals
-- and audits.
with outcomes as (
    select * from decision_outcomes(day_decisions, appeals, audits)  -- macros.sql
)

select * from outcome_counts(outcomes)  -- macros.sql
