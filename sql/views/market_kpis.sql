-- market_kpis: each market's headline metrics on the latest complete day and over the last 7
-- days, against the period before, with a 95% interval for the change (Newcombe's hybrid score
-- interval from the two Wilson intervals). The change is significant when that interval leaves
-- out zero: the move is larger than the noise.
-- Grain: (market, metric, span): span is 'day' (the latest complete day) or '7 days'.
create or replace view market_kpis as
with market_periods as (
    select *
    from metric_breakdowns
    where breakdown = 'market' and period <> 'day'
),

kpi_values as (
    select period, first_day, last_day, provisional, market, metric, value, low, high,
        numerator, denominator
    from metric_values(market_periods)
),

paired as (
    select
        current.market,
        current.metric,
        case current.period when 'latest_day' then 'day' else '7 days' end as span,
        current.first_day,
        current.last_day,
        current.provisional,
        current.value,
        current.low,
        current.high,
        current.numerator,
        current.denominator,
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
            when 'latest_day' then 'previous_day' else 'previous_7_days' end
    where current.period in ('latest_day', 'last_7_days')
)

select
    *,
    coalesce(change_low > 0 or change_high < 0, false) as change_is_significant
from paired
order by market, metric, span;
