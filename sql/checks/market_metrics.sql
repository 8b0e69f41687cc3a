-- market_metrics: the market-day metrics of the days run run_id recomputed (every day when
-- every_day is true), with the sums of daily_metrics beside them, as the validation batch (three
-- rows a day). The overturned counts are those known by as_of_date (warehouse_info): the sums
-- leave out the overturns of overturn_development that became known after it, as the view does.
-- Variables: run_id, every_day.
with recomputed as (
    select distinct metric_date
    from daily_metrics
    where run_id = getvariable('run_id') or getvariable('every_day')
),

late as (
    select
        overturn_development.metric_date,
        overturn_development.market,
        coalesce(sum(overturns) filter (where action = 'penalize'), 0) as penalties,
        coalesce(sum(overturns) filter (where action = 'no_action'), 0) as no_actions
    from overturn_development
    cross join warehouse_info
    where overturn_development.metric_date in (select metric_date from recomputed)
        and overturn_development.development_age
            > datediff('day', overturn_development.metric_date, warehouse_info.as_of_date)
    group by overturn_development.metric_date, overturn_development.market
),

counted as (
    select
        metric_date,
        market,
        sum(decisions) as decisions,
        sum(penalties) as penalties,
        sum(no_actions) as no_actions,
        sum(appealed_penalties) as appealed_penalties,
        sum(overturned_penalties) as overturned_penalties,
        sum(appealed_no_actions) as appealed_no_actions,
        sum(overturned_no_actions) as overturned_no_actions,
        sum(pending_appeals) as pending_appeals,
        sum(audited_penalties) as audited_penalties,
        sum(audited_no_actions) as audited_no_actions
    from daily_metrics
    where metric_date in (select metric_date from recomputed)
    group by metric_date, market
),

sums as (
    select
        counted.* replace (
            counted.overturned_penalties - coalesce(late.penalties, 0) as overturned_penalties,
            counted.overturned_no_actions - coalesce(late.no_actions, 0) as overturned_no_actions
        )
    from counted
    left join late using (metric_date, market)
)

select
    m.*,
    m.penalties + m.no_actions as penalties_plus_no_actions,
    -- the largest difference, over every count, between the view and the sums of daily_metrics
    greatest(
        abs(m.decisions - s.decisions), abs(m.penalties - s.penalties),
        abs(m.no_actions - s.no_actions), abs(m.appealed_penalties - s.appealed_penalties),
        abs(m.overturned_penalties - s.overturned_penalties),
        abs(m.appealed_no_actions - s.appealed_no_actions),
        abs(m.overturned_no_actions - s.overturned_no_actions),
        abs(m.pending_appeals - s.pending_appeals),
        abs(m.audited_penalties - s.audited_penalties),
        abs(m.audited_no_actions - s.audited_no_actions)
    ) as difference_from_daily_metrics
from market_daily_metrics as m
left join sums as s using (metric_date, market)
where m.metric_date in (select metric_date from recomputed)
