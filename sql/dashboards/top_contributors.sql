-- The policy x queue pairs with the most errors over the last 7 settled days, per market (the
-- week the overkill and leakage tiles judge: its appeals are in): overturned penalties for
-- overkill, overturned no_actions for leakage; ten of each, with their rates.
with errors as (
    select
        market,
        metric,
        policy,
        queue,
        numerator as errors,
        denominator,
        value,
        low,
        high,
        first_day,
        last_day
    from metric_values(metric_breakdowns)
    where breakdown = 'policy_queue'
        and period = 'settled_7_days'
        and metric in ('overkill_rate', 'leakage_rate')
        and numerator > 0
)

select *
from errors
qualify row_number() over (partition by market, metric order by errors desc, value desc) <= 10
order by market, metric, errors desc, value desc;
