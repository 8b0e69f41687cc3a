-- KPI tiles: every market's metrics on the latest complete day, the last 7 days and the last 7
-- settled days.
select
    market,
    metric,
    span,
    first_day,
    last_day,
    provisional,
    value,
    low,
    high,
    numerator,
    denominator,
    sample_size,
    previous_value,
    change,
    change_low,
    change_high,
    change_is_significant,
    audits_arriving
from market_kpis;
