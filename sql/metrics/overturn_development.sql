-- overturn_development: the overturns of the stale metric days by development age, one row per
-- (metric_date, market, policy, source, object_type, queue, action, development_age) with at
-- least one overturn. The lag data of the nowcast (views/overturn_nowcast.sql). development_age =
-- days from the decision's metric_date to the day its overturn became known: the first
-- overturned appeal's resolved_at, as a date in the market's time zone (macros.sql market_day,
-- the rule that makes metric_date from decided_at). A decision counts once, as
-- daily_counts' overturned_penalties / overturned_no_actions do: summed over the ages, the rows
-- of a day give exactly those counts. DuckDB runs it through metrics/daily_metrics.sql, the
-- Spark engine translated. Reads decisions, appeals, stale_metric_days. Variables:
-- market_timezones.
with day_decisions as (
    select * from stale_decisions(decisions, stale_metric_days)  -- macros.sql
),

first_overturns as (
    select decision_id, min(resolved_at) as known_at
    from appeals
    where status = 'overturned'
        and decision_id in (select decision_id from day_decisions)
    group by decision_id
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
        market_day(day_decisions.market, first_overturns.known_at)
    ) as development_age,
    count(*) as overturns
from day_decisions
inner join first_overturns using (decision_id)
group by
    day_decisions.metric_date, day_decisions.market, day_decisions.policy,
    day_decisions.source, day_decisions.object_type, day_decisions.queue, day_decisions.action,
    development_age
