-- market_kpis: each market's headline metrics on the latest complete day, over the last 7 days
-- and over the last 7 settled days, against the period before (for the day: the same weekday a
-- week before), with a 95% interval for the change (Newcombe's hybrid score interval from the
-- two intervals). The change is significant when that interval leaves out zero: the move is
-- larger than the noise.
-- Overkill and leakage only grow while their appeals arrive, so a provisional period is not
-- compared with an older one (it would look like an improvement): their observed change is
-- judged on settled periods only, and on projected values ('7 days projected'):
--   value = sum over the period's days of the projected final overturns Y (overturn_nowcast;
--     a settled day's observed overturns) / sum of n (penalties or no_actions);
--   var = sum of each young day's own variance (var - shared_sd^2) + (sum of shared_sd)^2: the
--     error of the recent settled rate r is common to the young days, so it adds up linearly;
--   interval, for the rate itself as every other span's: the Wilson interval of the value
--     with n_known = (sum of n)^2 / sum of c n (the binomial noise of the overturns known,
--     c n of the n decisions' worth; n on a settled day, c = 1) combined, squared and added,
--     with 1.96 sqrt(var - to_come) / n, cut to [0, 1]; to_come = sum of (1 - c) n r, the
--     binomial variance of the overturns still to come, so var - to_come is the error of the
--     projected rate of the days still to come (their deviation from r, the error of r). The
--     overturns to come are predicted at the rate, not counted: their binomial noise is no
--     part of the rate's error (counting it in both parts, and the Wilson of all n, covered the
--     true rate 99-100% of the time on the backtest, benchmarks/nowcast_backtest.py --kpis).
--     On settled days var = to_come = 0: the Wilson interval of the observed rate.
--   NULL when a provisional day of the period with decisions has no projection (too little
--     history, overturn_nowcast): no factor is invented.
-- The audit rates likewise: a period whose audits are still arriving (audit_provisional) is
-- shown with audits_arriving and its change is not judged.
-- Grain: (market, metric, span): span is 'day' (the latest complete day), '7 days', '7 days
-- projected' (overkill and leakage only) or 'settled 7 days'.
create or replace view market_kpis as
with market_periods as (
    select *
    from metric_breakdowns
    where breakdown = 'market' and period <> 'day'
),

observed_values as (
    select period, first_day, last_day, provisional, market, metric, value, low, high,
        numerator, denominator, sample_size
    from metric_values(market_periods)
),

-- each day of the last 7 days and the 7 before, with its projected final overturns
projected_days as (
    select
        kpi_periods.period || '_projected' as period,
        kpi_periods.first_day,
        kpi_periods.last_day,
        days.market,
        actions.metric,
        days.provisional and counts.n > 0 as projected,
        counts.n,
        case
            when days.provisional and counts.n > 0 then nowcast.overturns_projected
            else counts.observed
        end as overturns,
        case when days.provisional and counts.n > 0 then
            nowcast.overturns_projected_variance - nowcast.overturns_projected_shared_sd ^ 2
        else 0 end as own_variance,
        case when days.provisional and counts.n > 0 then
            nowcast.overturns_projected_shared_sd
        else 0 end as shared_sd,
        -- the binomial variance of the overturns still to come, (1 - c) n r, and the decisions'
        -- worth of overturns known, c n
        case when days.provisional and counts.n > 0 then
            (1 - nowcast.completeness) * counts.n * nowcast.history_rate
        else 0 end as to_come,
        case when days.provisional and counts.n > 0 then nowcast.completeness * counts.n
        else counts.n end as known_n
    from market_daily_metrics as days
    inner join kpi_periods
        on days.metric_date between kpi_periods.first_day and kpi_periods.last_day
    cross join (
        select 'overkill_rate' as metric, 'penalize' as action
        union all
        select 'leakage_rate', 'no_action'
    ) as actions
    cross join lateral (
        select
            case when actions.action = 'penalize' then days.penalties else days.no_actions end
                as n,
            case
                when actions.action = 'penalize' then days.overturned_penalties
                else days.overturned_no_actions
            end as observed
    ) as counts
    left join overturn_nowcast as nowcast
        on nowcast.metric_date = days.metric_date
        and nowcast.market = days.market
        and nowcast.action = actions.action
    where kpi_periods.period in ('last_7_days', 'previous_7_days')
),

projected_periods as (
    select
        period,
        first_day,
        last_day,
        market,
        metric,
        bool_or(projected) as provisional,
        -- NULL when a day that needs a projection has none
        case when count(*) filter (where projected and overturns is null) = 0
            then sum(overturns)::double end as numerator,
        sum(n)::double as denominator,
        greatest(0.0, sum(own_variance) + sum(shared_sd) ^ 2 - sum(to_come)) as rate_variance,
        sum(n) ^ 2 / nullif(sum(known_n), 0) as n_known
    from projected_days
    group by period, first_day, last_day, market, metric
),

projected_values as (
    select
        period,
        first_day,
        last_day,
        provisional,
        market,
        metric,
        value,
        -- (greatest and least skip NULLs: no bounds without a value)
        -- (no overturn known yet, n_known NULL: the rate's error alone)
        case when value is not null then
            greatest(0.0, value - sqrt(coalesce((value - wilson_low(value, n_known)) ^ 2, 0)
                + (1.959963984540054 * sqrt(rate_variance) / denominator) ^ 2))
        end as low,
        case when value is not null then
            least(1.0, value + sqrt(coalesce((wilson_high(value, n_known) - value) ^ 2, 0)
                + (1.959963984540054 * sqrt(rate_variance) / denominator) ^ 2))
        end as high,
        numerator,
        denominator,
        denominator as sample_size
    from (select *, numerator / nullif(denominator, 0) as value from projected_periods)
),

kpi_values as (
    select * from observed_values
    union all
    select * from projected_values
),

paired as (
    select
        current.market,
        current.metric,
        case current.period
            when 'latest_day' then 'day'
            when 'last_7_days' then '7 days'
            when 'last_7_days_projected' then '7 days projected'
            else 'settled 7 days'
        end as span,
        current.first_day,
        current.last_day,
        current.provisional,
        current.value,
        current.low,
        current.high,
        current.numerator,
        current.denominator,
        current.sample_size,
        previous.first_day as previous_first_day,
        previous.last_day as previous_last_day,
        previous.value as previous_value,
        previous.low as previous_low,
        previous.high as previous_high,
        current.value - previous.value as change,
        current.value - previous.value
            - sqrt((current.value - current.low) ^ 2 + (previous.high - previous.value) ^ 2)
            as change_low,
        current.value - previous.value
            + sqrt((current.high - current.value) ^ 2 + (previous.value - previous.low) ^ 2)
            as change_high
    from kpi_values as current
    left join kpi_values as previous
        on previous.market = current.market
        and previous.metric = current.metric
        and previous.period = case current.period
            when 'latest_day' then 'same_day_last_week'
            when 'last_7_days' then 'previous_7_days'
            when 'last_7_days_projected' then 'previous_7_days_projected'
            else 'previous_settled_7_days'
        end
    where current.period in
        ('latest_day', 'last_7_days', 'last_7_days_projected', 'settled_7_days')
)

select
    * exclude (comparable),
    case when comparable then coalesce(change_low > 0 or change_high < 0, false) end
        as change_is_significant
from (
    select
        paired.*,
        -- audits arrive for audit_window_days: an audit rate whose period still gathers them is
        -- not compared as if final (metric_breakdowns.audit_provisional)
        paired.metric like 'audit_%' and coalesce(audits.audit_provisional, false)
            as audits_arriving,
        -- NULL: not judged, the periods' appeals (or audits) are not equally complete
        not (paired.metric in ('overkill_rate', 'leakage_rate') and paired.provisional
             and paired.span <> '7 days projected')
            and not (paired.metric like 'audit_%' and coalesce(audits.audit_provisional, false))
            as comparable
    from paired
    left join market_periods as audits
        on audits.market = paired.market
        and audits.first_day = paired.first_day
        and audits.last_day = paired.last_day
        and audits.period = case paired.span
            when 'day' then 'latest_day'
            when '7 days' then 'last_7_days'
            when 'settled 7 days' then 'settled_7_days'
        end
)
order by market, metric, span;
