-- drivers_periods: the two periods a `modmetrics drivers` comparison reads, one row per side
-- ('baseline', 'period'). Grain: side. Inputs: kpi_periods, warehouse_info, daily_metrics,
-- overturn_nowcast. Parameters: $market, $metric, $baseline_first, $baseline_last,
-- $period_first, $period_last (a NULL date: the default).
-- Defaults: the latest 7 days against the 7 before (kpi_periods last_7_days, previous_7_days);
-- for overkill_rate and leakage_rate, which count appeals, the latest 7 settled days against the
-- 7 before (settled_7_days, previous_settled_7_days). A period given without a baseline is
-- compared with as many days right before it (never with the default baseline, which may lie
-- after it or overlap it).
-- settled: false when an overkill or leakage period holds a day still inside the appeal window
-- (the rule of `provisional`): its rate will still rise; false when an audit_* period holds a day
-- whose audits are still arriving (audit_provisional). The penalty ratio waits for nothing.
-- unprojected_days: the provisional days of the market in the period that have no projection
-- (overturn_nowcast is NULL with too little history): --projected cannot be used on them.
with settings as (
    select
        as_of_date,
        appeal_window_days,
        audit_window_days,
        $metric in ('overkill_rate', 'leakage_rate') as counts_appeals,
        $metric like 'audit_%' as counts_audits,
        case $metric when 'overkill_rate' then 'penalize' when 'leakage_rate' then 'no_action' end
            as action
    from warehouse_info
),

defaults as (
    select
        max(first_day) filter (where period = case when counts_appeals
            then 'previous_settled_7_days' else 'previous_7_days' end) as baseline_first,
        max(last_day) filter (where period = case when counts_appeals
            then 'previous_settled_7_days' else 'previous_7_days' end) as baseline_last,
        max(first_day) filter (where period = case when counts_appeals
            then 'settled_7_days' else 'last_7_days' end) as period_first,
        max(last_day) filter (where period = case when counts_appeals
            then 'settled_7_days' else 'last_7_days' end) as period_last
    from kpi_periods
    cross join settings
),

sides as (
    select
        'baseline' as side,
        -- a period asked for without a baseline: as many days right before it
        coalesce(
            $baseline_first::date,
            $period_first::date - ($period_last::date - $period_first::date + 1)::integer,
            baseline_first
        ) as first_day,
        coalesce($baseline_last::date, $period_first::date - 1, baseline_last) as last_day
    from defaults
    union all
    select
        'period' as side,
        coalesce($period_first::date, period_first) as first_day,
        coalesce($period_last::date, period_last) as last_day
    from defaults
),

market_days as (
    select distinct metric_date
    from daily_metrics
    where market = $market
)

select
    sides.side,
    sides.first_day,
    sides.last_day,
    case
        when settings.counts_appeals
            then sides.last_day <= settings.as_of_date - settings.appeal_window_days
        when settings.counts_audits
            then sides.last_day <= settings.as_of_date - settings.audit_window_days
        else true
    end as settled,
    count(market_days.metric_date) as days,
    count(market_days.metric_date) filter (
        where settings.counts_appeals
            and market_days.metric_date > settings.as_of_date - settings.appeal_window_days
            and not exists (
                select 1
                from overturn_nowcast
                where overturn_nowcast.market = $market
                    and overturn_nowcast.metric_date = market_days.metric_date
                    and overturn_nowcast.action = settings.action
                    and overturn_nowcast.completeness is not null
            )
    ) as unprojected_days
from sides
cross join settings
left join market_days
    on market_days.metric_date between sides.first_day and sides.last_day
group by sides.side, sides.first_day, sides.last_day, settings.counts_appeals,
    settings.counts_audits, settings.as_of_date, settings.appeal_window_days,
    settings.audit_window_days
order by sides.side;
