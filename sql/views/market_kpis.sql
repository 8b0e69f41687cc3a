-- market_kpis: each market's headline metrics on the latest complete day, over the last 7 days
-- and over the last 7 settled days, against the period before, with a 95% interval for the
-- change (Newcombe's hybrid score interval from the two Wilson intervals). The change is
-- significant when that interval leaves out zero: the move is larger than the noise.
-- Overkill and leakage only grow while their appeals arrive, so a provisional period is not
-- compared with an older one (it would look like an improvement): their change is judged on
-- settled periods only.
-- Grain: (market, metric, span): span is 'day' (the latest complete day), '7 days' or
-- 'settled 7 days'.
create or replace view market_kpis as
with market_periods as (
    select *
    from metric_breakdowns
    where breakdown = 'market' and period <> 'day'
),

kpi_values as (
    select period, first_day, last_day, provisional, market, metric, value, low, high,
        numerator, denominator, sample_size
    from metric_values(market_periods)
),

paired as (
    select
        current.market,
        current.metric,
        case current.period
            when 'latest_day' then 'day'
            when 'last_7_days' then '7 days'
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
            when 'latest_day' then 'previous_day'
            when 'last_7_days' then 'previous_7_days'
            else 'previous_settled_7_days'
        end
    where current.period in ('latest_day', 'last_7_days', 'settled_7_days')
)

select
    * exclude (comparable),
    case when comparable then coalesce(change_low > 0 or change_high < 0, false) end
        as change_is_significant
from (
    select
        *,
        -- NULL: not judged, the periods' appeals are not equally complete
        not (metric in ('overkill_rate', 'leakage_rate') and provisional) as comparable
    from paired
)
order by market, metric, span;
