-- overturn_development: the overturns of the stale metric days by development age, one row per
-- (metric_date, market, policy, source, object_type, queue, action, development_age) with at
-- least one overturn. The lag data of the nowcast (views/overturn_nowcast.sql). development_age =
-- days from the decision's metric_date to the day its overturn became known: the first
-- overturned appeal's resolved_at, as a date in the market's time zone (macros.sql market_day,
-- the rule that makes metric_date from decided_at; macros.sql decision_outcomes, overturn_ages).
-- A decision counts once, as daily_counts' overturned_penalties / overturned_no_actions do:
-- summed over the ages, the rows of a day give exactly those counts. DuckDB runs it through
-- metrics/daily_metrics.sql, the Spark engine translated. Reads day_decisions
-- (metrics/day_decisions.sql), appeals, audits. Variables: market_timezones.
with outcomes as (
    select * from decision_outcomes(day_decisions, appeals, audits)  -- macros.sql
)

select * from overturn_ages(outcomes)  -- macros.sql
