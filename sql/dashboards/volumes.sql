-- Daily volumes per market: what the rates are made of.
select
    metric_date,
    market,
    decisions,
    penalties,
    no_actions,
    appealed_penalties,
    overturned_penalties,
    appealed_no_actions,
    overturned_no_actions,
    audited_penalties,
    audited_no_actions,
    provisional
from market_daily_metrics
order by market, metric_date;
