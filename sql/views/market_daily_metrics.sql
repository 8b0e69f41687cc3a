-- market_daily_metrics: the headline metrics per market and day, with 95% Wilson intervals.
-- Grain: (metric_date, market), one row per market-day with at least one decision.
-- Every figure is a sum over daily_metrics; the rates come from the metric_rates macro (macros.sql).
create or replace view market_daily_metrics as
with totals as (
    select
        metric_date,
        market,
        sum(decisions)::bigint as decisions,
        sum(penalties)::bigint as penalties,
        sum(no_actions)::bigint as no_actions,
        sum(appealed_penalties)::bigint as appealed_penalties,
        sum(overturned_penalties)::bigint as overturned_penalties,
        sum(appealed_no_actions)::bigint as appealed_no_actions,
        sum(overturned_no_actions)::bigint as overturned_no_actions,
        sum(pending_appeals)::bigint as pending_appeals,
        sum(audited_penalties)::bigint as audited_penalties,
        sum(audited_no_actions)::bigint as audited_no_actions,
        sum(audited_penalty_weight) as audited_penalty_weight,
        sum(audited_penalty_weight_sq) as audited_penalty_weight_sq,
        sum(non_violating_penalty_weight) as non_violating_penalty_weight,
        sum(audited_no_action_weight) as audited_no_action_weight,
        sum(audited_no_action_weight_sq) as audited_no_action_weight_sq,
        sum(violating_no_action_weight) as violating_no_action_weight
    from daily_metrics
    group by metric_date, market
)

select
    metric_date,
    market,
    decisions,
    penalties,
    no_actions,
    penalty_ratio,
    penalty_ratio_low,
    penalty_ratio_high,
    appealed_penalties,
    overturned_penalties,
    overkill_rate,
    overkill_rate_low,
    overkill_rate_high,
    appealed_no_actions,
    overturned_no_actions,
    leakage_rate,
    leakage_rate_low,
    leakage_rate_high,
    pending_appeals,
    audited_penalties,
    audited_no_actions,
    audit_overkill_rate,
    audit_overkill_rate_low,
    audit_overkill_rate_high,
    audit_leakage_rate,
    audit_leakage_rate_low,
    audit_leakage_rate_high,
    -- appeals for the last appeal_window_days are still arriving: the numbers will move
    metric_date > (select as_of_date - appeal_window_days from warehouse_info) as provisional
from metric_rates(totals)
order by metric_date, market;
