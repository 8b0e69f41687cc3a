-- rate_drivers: what moved each market's metrics, one dimension at a time: the default
-- comparison of `modmetrics drivers` (the latest 7 days against the 7 before; for overkill_rate
-- and leakage_rate, which count appeals, the latest 7 settled days against the 7 before) split
-- over the segments of policy, of queue, of source and of object_type.
-- Grain: (market, metric, dimension, policy, queue, source, object_type); the keys the
-- dimension does not split by are NULL. Inputs: known_daily_metrics (overturns as
-- known as of as_of_date), kpi_periods, warehouse_info.
-- Method: rate_decomposition (sql/macros.sql, symmetric Kitagawa), whose contributions of one
-- (market, metric, dimension) sum to market_change. Observed rates (no projection: the settled
-- comparison of overkill and leakage needs none). driver_rank orders the segments of a
-- dimension, metric_rank every segment of the market's metric, by the size of the contribution
-- (the segments of a dimension with a single segment last: it holds the whole change and says
-- nothing about what moved it); top_rate_drivers is the largest of each market and metric.
create or replace view rate_drivers as
with windows as (
    select period, first_day, last_day
    from kpi_periods
    where period in ('last_7_days', 'previous_7_days', 'settled_7_days', 'previous_settled_7_days')
),

totals as (
    select
        windows.period,
        windows.first_day,
        windows.last_day,
        known_daily_metrics.market,
        case
            when grouping(policy) = 0 then 'policy'
            when grouping(queue) = 0 then 'queue'
            when grouping(source) = 0 then 'source'
            else 'object_type'
        end as dimension,
        known_daily_metrics.policy,
        known_daily_metrics.queue,
        known_daily_metrics.source,
        known_daily_metrics.object_type,
        sum(decisions)::bigint as decisions,
        sum(penalties)::bigint as penalties,
        sum(no_actions)::bigint as no_actions,
        sum(known_overturned_penalties)::bigint as overturned_penalties,
        sum(known_overturned_no_actions)::bigint as overturned_no_actions,
        sum(audited_penalty_weight) as audited_penalty_weight,
        sum(audited_penalty_weight_sq) as audited_penalty_weight_sq,
        sum(non_violating_penalty_weight) as non_violating_penalty_weight,
        sum(audited_no_action_weight) as audited_no_action_weight,
        sum(audited_no_action_weight_sq) as audited_no_action_weight_sq,
        sum(violating_no_action_weight) as violating_no_action_weight
    from known_daily_metrics
    inner join windows
        on known_daily_metrics.metric_date between windows.first_day and windows.last_day
    group by grouping sets (
        (windows.period, windows.first_day, windows.last_day, known_daily_metrics.market, policy),
        (windows.period, windows.first_day, windows.last_day, known_daily_metrics.market, queue),
        (windows.period, windows.first_day, windows.last_day, known_daily_metrics.market, source),
        (windows.period, windows.first_day, windows.last_day, known_daily_metrics.market, object_type)
    )
),

rated as (
    select * from metric_rates(totals)
),

-- each metric's two windows: overkill and leakage, which count appeals, the settled ones
compared as (
    select
        *,
        case when period like 'previous%' then 'baseline' else 'period' end as side
    from metric_values(rated)
    where period in (
        case when metric in ('overkill_rate', 'leakage_rate')
            then 'settled_7_days' else 'last_7_days' end,
        case when metric in ('overkill_rate', 'leakage_rate')
            then 'previous_settled_7_days' else 'previous_7_days' end
    )
),

measured as (
    select market, metric, dimension, policy, queue, source, object_type, side, numerator,
        denominator
    from compared
),

decomposed as (
    select
        *,
        -- a dimension with one segment "explains" the whole change: it names no driver
        count(*) over (partition by market, metric, dimension) as dimension_segments
    from rate_decomposition(measured)
),

spans as (
    select
        market,
        metric,
        max(first_day) filter (where side = 'baseline') as baseline_first_day,
        max(last_day) filter (where side = 'baseline') as baseline_last_day,
        max(first_day) filter (where side = 'period') as period_first_day,
        max(last_day) filter (where side = 'period') as period_last_day
    from compared
    group by market, metric
)

select
    decomposed.market,
    decomposed.metric,
    decomposed.dimension,
    decomposed.policy,
    decomposed.queue,
    decomposed.source,
    decomposed.object_type,
    coalesce(decomposed.policy, decomposed.queue, decomposed.source, decomposed.object_type)
        as segment,
    spans.baseline_first_day,
    spans.baseline_last_day,
    spans.period_first_day,
    spans.period_last_day,
    -- overkill and leakage are compared on settled weeks; the audit rates' latest week may still
    -- gather audits (audit_provisional): flagged, never taken as final
    case
        when decomposed.metric in ('overkill_rate', 'leakage_rate') then spans.period_last_day
            <= (select as_of_date - appeal_window_days from warehouse_info)
        when decomposed.metric like 'audit_%' then spans.period_last_day
            <= (select as_of_date - audit_window_days from warehouse_info)
        else true
    end as period_settled,
    decomposed.baseline_numerator,
    decomposed.baseline_denominator,
    decomposed.period_numerator,
    decomposed.period_denominator,
    decomposed.baseline_share,
    decomposed.period_share,
    decomposed.baseline_rate,
    decomposed.period_rate,
    decomposed.mix_effect,
    decomposed.rate_effect,
    decomposed.contribution,
    decomposed.baseline_market_rate,
    decomposed.period_market_rate,
    decomposed.period_market_rate - decomposed.baseline_market_rate as market_change,
    decomposed.dimension_segments,
    row_number() over (
        partition by decomposed.market, decomposed.metric, decomposed.dimension
        order by abs(decomposed.contribution) desc nulls last, segment
    ) as driver_rank,
    row_number() over (
        partition by decomposed.market, decomposed.metric
        order by decomposed.dimension_segments > 1 desc, abs(decomposed.contribution) desc nulls last,
            decomposed.dimension, segment
    ) as metric_rank
from decomposed
inner join spans using (market, metric);

-- top_rate_drivers: the largest driver of each market and metric (rate_drivers' metric_rank 1),
-- for a line such as an alert's: "driver: policy spam, +0.42 pts (mix +0.05, rate +0.37)".
-- Grain: (market, metric). Only where the market rate could be compared (both sides counted).
create or replace view top_rate_drivers as
select
    market,
    metric,
    dimension,
    segment,
    baseline_first_day,
    baseline_last_day,
    period_first_day,
    period_last_day,
    period_settled,
    market_change,
    mix_effect,
    rate_effect,
    contribution,
    format(
        'driver: {} {}, {:+.2f} pts (mix {:+.2f}, rate {:+.2f})',
        dimension, segment, 100 * contribution, 100 * mix_effect, 100 * rate_effect
    ) as driver_text
from rate_drivers
where metric_rank = 1 and contribution is not null and contribution <> 0 and dimension_segments > 1;
