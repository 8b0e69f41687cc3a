-- drivers: what moved one market's metric between a baseline and a period, split over the
-- segments of the chosen dimensions (`modmetrics drivers`). Grain: one row per segment, i.e.
-- per value of the chosen dimensions (the others are NULL), largest contribution first.
-- Inputs: known_daily_metrics (daily_metrics as known as of as_of_date); with $projected
-- overturn_nowcast and overturn_development. Parameters: $market, $metric,
-- $dimensions (a list of policy, queue, source, object_type), $baseline_first, $baseline_last,
-- $period_first, $period_last (dates; drivers_periods.sql resolves the defaults), $projected.
-- Method: the segments' numerators and denominators come from metric_values (the metric's
-- definition, sql/macros.sql), the split from rate_decomposition (symmetric Kitagawa: mix and
-- rate effects, exactly additive to the market rate's change).
-- $projected (overkill_rate and leakage_rate): a provisional day's overturns are projected the
-- way overturn_nowcast projects the market's (Bornhuetter-Ferguson, Y = X + (1 - c) n r): each
-- segment gets the overturns it had as of as_of_date (X, from overturn_development, the
-- nowcast's rule) plus (1 - c) n r, with the market-day's completeness c and history rate r and
-- the segment's own decisions n. The segments of a day then sum to the market's projected
-- overturns, so the total change is that of the projected market rate (market_daily_metrics'
-- overkill_rate_projected x penalties, summed over the days). Segments have no projection of
-- their own: the overturns still to come are spread by volume at the market's rate. A day
-- without a projection (settled, or too little history) keeps its observed count
-- (drivers_periods.sql counts the provisional ones, which the command refuses). The segment
-- keys match with `is not distinct from`: a no_action may come without a policy.
with sides as (
    select 'baseline' as side, $baseline_first::date as first_day, $baseline_last::date as last_day
    union all
    select 'period' as side, $period_first::date as first_day, $period_last::date as last_day
),

-- with $projected: the overturns of each segment of a projected day known as of as_of_date
known as (
    select
        overturn_development.metric_date,
        overturn_development.market,
        overturn_development.policy,
        overturn_development.queue,
        overturn_development.source,
        overturn_development.object_type,
        overturn_development.action,
        sum(overturn_development.overturns) as overturns
    from overturn_development
    inner join overturn_nowcast
        on overturn_nowcast.metric_date = overturn_development.metric_date
        and overturn_nowcast.market = overturn_development.market
        and overturn_nowcast.action = overturn_development.action
    where $projected
        and overturn_development.market = $market
        and overturn_nowcast.completeness is not null
        and overturn_development.development_age <= overturn_nowcast.age
    group by all
),

counted as (
    select
        sides.side,
        daily_metrics.market,
        case when list_contains($dimensions, 'policy') then daily_metrics.policy end as policy,
        case when list_contains($dimensions, 'queue') then daily_metrics.queue end as queue,
        case when list_contains($dimensions, 'source') then daily_metrics.source end as source,
        case when list_contains($dimensions, 'object_type') then daily_metrics.object_type end
            as object_type,
        daily_metrics.decisions,
        daily_metrics.penalties,
        daily_metrics.no_actions,
        case
            when overkill.completeness is not null then
                coalesce(known_penalties.overturns, 0)
                + (1 - overkill.completeness) * daily_metrics.penalties * overkill.history_rate
            else daily_metrics.known_overturned_penalties
        end as overturned_penalties,
        case
            when leakage.completeness is not null then
                coalesce(known_no_actions.overturns, 0)
                + (1 - leakage.completeness) * daily_metrics.no_actions * leakage.history_rate
            else daily_metrics.known_overturned_no_actions
        end as overturned_no_actions,
        daily_metrics.audited_penalty_weight,
        daily_metrics.audited_penalty_weight_sq,
        daily_metrics.non_violating_penalty_weight,
        daily_metrics.audited_no_action_weight,
        daily_metrics.audited_no_action_weight_sq,
        daily_metrics.violating_no_action_weight
    from known_daily_metrics as daily_metrics
    inner join sides
        on daily_metrics.metric_date between sides.first_day and sides.last_day
    left join overturn_nowcast as overkill
        on $projected
        and overkill.metric_date = daily_metrics.metric_date
        and overkill.market = daily_metrics.market
        and overkill.action = 'penalize'
    left join overturn_nowcast as leakage
        on $projected
        and leakage.metric_date = daily_metrics.metric_date
        and leakage.market = daily_metrics.market
        and leakage.action = 'no_action'
    left join known as known_penalties
        on known_penalties.metric_date = daily_metrics.metric_date
        and known_penalties.policy is not distinct from daily_metrics.policy
        and known_penalties.queue is not distinct from daily_metrics.queue
        and known_penalties.source is not distinct from daily_metrics.source
        and known_penalties.object_type is not distinct from daily_metrics.object_type
        and known_penalties.action = 'penalize'
    left join known as known_no_actions
        on known_no_actions.metric_date = daily_metrics.metric_date
        and known_no_actions.policy is not distinct from daily_metrics.policy
        and known_no_actions.queue is not distinct from daily_metrics.queue
        and known_no_actions.source is not distinct from daily_metrics.source
        and known_no_actions.object_type is not distinct from daily_metrics.object_type
        and known_no_actions.action = 'no_action'
    where daily_metrics.market = $market
),

totals as (
    select
        side,
        market,
        policy,
        queue,
        source,
        object_type,
        sum(decisions)::bigint as decisions,
        sum(penalties)::bigint as penalties,
        sum(no_actions)::bigint as no_actions,
        sum(overturned_penalties) as overturned_penalties,
        sum(overturned_no_actions) as overturned_no_actions,
        sum(audited_penalty_weight) as audited_penalty_weight,
        sum(audited_penalty_weight_sq) as audited_penalty_weight_sq,
        sum(non_violating_penalty_weight) as non_violating_penalty_weight,
        sum(audited_no_action_weight) as audited_no_action_weight,
        sum(audited_no_action_weight_sq) as audited_no_action_weight_sq,
        sum(violating_no_action_weight) as violating_no_action_weight
    from counted
    group by side, market, policy, queue, source, object_type
),

rated as (
    select * from metric_rates(totals)
),

measured as (
    select
        market,
        metric,
        array_to_string($dimensions, ',') as dimension,
        policy,
        queue,
        source,
        object_type,
        side,
        numerator,
        denominator
    from metric_values(rated)
    where metric = $metric
)

select
    policy,
    queue,
    source,
    object_type,
    baseline_share,
    period_share,
    baseline_rate,
    period_rate,
    mix_effect,
    rate_effect,
    contribution,
    baseline_market_rate,
    period_market_rate
from rate_decomposition(measured)
order by abs(contribution) desc nulls last, policy, queue, source, object_type;
