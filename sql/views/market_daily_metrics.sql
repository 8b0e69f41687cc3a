-- market_daily_metrics: the headline metrics per market and day, with 95% Wilson intervals.
-- Grain: (metric_date, market), one row per market-day with at least one decision.
-- Every figure is a sum over daily_metrics: the rows of metric_breakdowns for the whole market and
-- one day, whose rates come from the metric_rates macro (macros.sql).
create or replace view market_daily_metrics as
select
    first_day as metric_date,
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
    provisional
from metric_breakdowns
where breakdown = 'market' and period = 'day'
order by metric_date, market;
