-- known_daily_metrics: daily_metrics as known as of warehouse_info's as_of_date, with two more
-- columns: known_overturned_penalties / known_overturned_no_actions leave out the overturns that
-- became known after as_of_date (their development_age in overturn_development is past the
-- day's age). Grain: daily_metrics'. What metric_breakdowns (so market_daily_metrics), the
-- drivers and rate_drivers count, so a replay with an earlier as_of reads what was known then,
-- and the observed rate is the one the nowcast projects from (overturn_nowcast). Keys match with
-- `is not distinct from`: a no_action may come without a policy.
create or replace view known_daily_metrics as
with late_overturns as (
    select
        overturn_development.metric_date,
        overturn_development.market,
        overturn_development.policy,
        overturn_development.source,
        overturn_development.object_type,
        overturn_development.queue,
        coalesce(sum(overturns) filter (where action = 'penalize'), 0) as late_penalties,
        coalesce(sum(overturns) filter (where action = 'no_action'), 0) as late_no_actions
    from overturn_development
    cross join warehouse_info
    where overturn_development.development_age
        > datediff('day', overturn_development.metric_date, warehouse_info.as_of_date)
    group by
        overturn_development.metric_date, overturn_development.market,
        overturn_development.policy, overturn_development.source,
        overturn_development.object_type, overturn_development.queue
)

select
    daily_metrics.*,
    daily_metrics.overturned_penalties - coalesce(late_overturns.late_penalties, 0)
        as known_overturned_penalties,
    daily_metrics.overturned_no_actions - coalesce(late_overturns.late_no_actions, 0)
        as known_overturned_no_actions
from daily_metrics
left join late_overturns
    on late_overturns.metric_date = daily_metrics.metric_date
    and late_overturns.market = daily_metrics.market
    and late_overturns.policy is not distinct from daily_metrics.policy
    and late_overturns.source is not distinct from daily_metrics.source
    and late_overturns.object_type is not distinct from daily_metrics.object_type
    and late_overturns.queue is not distinct from daily_metrics.queue;
