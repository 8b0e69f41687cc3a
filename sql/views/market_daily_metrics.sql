-- market_daily_metrics: the headline metrics per market and day, with 95% Wilson intervals.
-- Grain: (metric_date, market), one row per market-day with at least one decision.
-- Every figure is a sum over daily_metrics: the rows of metric_breakdowns for the whole market and
-- one day, whose rates come from the metric_rates macro (macros.sql). The projected final overkill
-- and leakage rates of provisional days are views/overturn_nowcast.sql's (Bornhuetter-Ferguson);
-- a settled day's projection is its observed rate and Wilson interval, completeness 1. The
-- audit-based rates of an audit_provisional day are still moving (audit_completeness < 1).
create or replace view market_daily_metrics as
select
    first_day as metric_date,
    metric_breakdowns.market,
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
    provisional,
    case when provisional then overkill.rate_bf else overkill_rate end as overkill_rate_projected,
    case when provisional then overkill.rate_bf_low else overkill_rate_low end
        as overkill_rate_projected_low,
    case when provisional then overkill.rate_bf_high else overkill_rate_high end
        as overkill_rate_projected_high,
    case when provisional then leakage.rate_bf else leakage_rate end as leakage_rate_projected,
    case when provisional then leakage.rate_bf_low else leakage_rate_low end
        as leakage_rate_projected_low,
    case when provisional then leakage.rate_bf_high else leakage_rate_high end
        as leakage_rate_projected_high,
    -- the expected share of the final overturns already known; NULL: too little history
    case when provisional then overkill.completeness else 1.0 end as overkill_completeness,
    case when provisional then leakage.completeness else 1.0 end as leakage_completeness,
    -- QA audits for the last audit_window_days are still arriving: the audit rates will move
    audit_provisional,
    -- the expected share of the day's final audits already in (views/audit_completeness.sql);
    -- 1 once audit-settled, NULL: too little history
    audit_completeness
from metric_breakdowns
left join overturn_nowcast as overkill
    on overkill.metric_date = metric_breakdowns.first_day
    and overkill.market = metric_breakdowns.market
    and overkill.action = 'penalize'
left join overturn_nowcast as leakage
    on leakage.metric_date = metric_breakdowns.first_day
    and leakage.market = metric_breakdowns.market
    and leakage.action = 'no_action'
where breakdown = 'market' and period = 'day'
order by metric_date, market;
