-- metric_breakdowns: the headline metrics of each market by day and over the kpi_periods, in
-- total and broken down by policy, by source (machine vs human), by object type, and by policy x
-- queue. Rates come from the metric_rates macro; the breakdown 'market', period 'day' rows are
-- market_daily_metrics.
-- Grain: (period, first_day, market, breakdown, policy, queue, source, object_type); the columns
-- a breakdown does not split by are NULL.
-- As of warehouse_info's as_of_date: an overturn that became known after as_of_date is not
-- counted in overturned_penalties / overturned_no_actions (views/known_daily_metrics.sql).
-- audit_completeness: the expected share of the period's final audits in, the days'
-- views/audit_completeness.sql weighted by their decisions (audits are sampled from decisions),
-- 1 for an audit-settled day; NULL when one of its audit-provisional days has none.
create or replace view metric_breakdowns as
with periods as (
    -- every day is a period of its own, and belongs to each KPI window it falls in
    select distinct metric_date, 'day' as period, metric_date as first_day, metric_date as last_day
    from daily_metrics
    union all
    select days.metric_date, kpi_periods.period, kpi_periods.first_day, kpi_periods.last_day
    from (select distinct metric_date from daily_metrics) as days
    inner join kpi_periods on days.metric_date between kpi_periods.first_day and kpi_periods.last_day
),

-- daily_metrics as known as of as_of_date (views/known_daily_metrics.sql), with the share of
-- each day's audits in
known_metrics as (
    select
        known_daily_metrics.*,
        case
            when known_daily_metrics.metric_date
                <= warehouse_info.as_of_date - warehouse_info.audit_window_days then 1.0
            else audit_completeness.completeness
        end as day_audit_completeness
    from known_daily_metrics
    left join warehouse_info on true  -- no row yet (a warehouse before its first run): no flags
    left join audit_completeness
        on audit_completeness.metric_date = known_daily_metrics.metric_date
        and audit_completeness.market = known_daily_metrics.market
),

totals as (
    select
        periods.period,
        periods.first_day,
        periods.last_day,
        known_metrics.market,
        case
            when grouping(policy, queue) = 0 then 'policy_queue'
            when grouping(policy) = 0 then 'policy'
            when grouping(source) = 0 then 'source'
            when grouping(object_type) = 0 then 'object_type'
            else 'market'
        end as breakdown,
        known_metrics.policy,
        known_metrics.queue,
        known_metrics.source,
        known_metrics.object_type,
        sum(decisions)::bigint as decisions,
        sum(penalties)::bigint as penalties,
        sum(no_actions)::bigint as no_actions,
        sum(appealed_penalties)::bigint as appealed_penalties,
        sum(known_overturned_penalties)::bigint as overturned_penalties,
        sum(appealed_no_actions)::bigint as appealed_no_actions,
        sum(known_overturned_no_actions)::bigint as overturned_no_actions,
        sum(pending_appeals)::bigint as pending_appeals,
        sum(audited_penalties)::bigint as audited_penalties,
        sum(audited_no_actions)::bigint as audited_no_actions,
        sum(audited_penalty_weight) as audited_penalty_weight,
        sum(audited_penalty_weight_sq) as audited_penalty_weight_sq,
        sum(non_violating_penalty_weight) as non_violating_penalty_weight,
        sum(audited_no_action_weight) as audited_no_action_weight,
        sum(audited_no_action_weight_sq) as audited_no_action_weight_sq,
        sum(violating_no_action_weight) as violating_no_action_weight,
        case
            when count(*) filter (where day_audit_completeness is null) = 0
                then sum(decisions * day_audit_completeness) / sum(decisions)
        end as audit_completeness
    from known_metrics
    inner join periods using (metric_date)
    group by grouping sets (
        (periods.period, periods.first_day, periods.last_day, known_metrics.market),
        (periods.period, periods.first_day, periods.last_day, known_metrics.market, policy),
        (periods.period, periods.first_day, periods.last_day, known_metrics.market, source),
        (periods.period, periods.first_day, periods.last_day, known_metrics.market, object_type),
        (periods.period, periods.first_day, periods.last_day, known_metrics.market, policy, queue)
    )
)

select
    *,
    -- appeals for the last appeal_window_days are still arriving: the numbers will move
    last_day > (select as_of_date - appeal_window_days from warehouse_info) as provisional,
    -- audits for the last audit_window_days are still arriving: the audit rates will move
    last_day > (select as_of_date - audit_window_days from warehouse_info) as audit_provisional
from metric_rates(totals);
