-- Open alerts, the worst first.
select
    metric,
    market,
    severity,
    opened_on,
    last_breach_on,
    worst_value,
    worst_low,
    worst_high,
    threshold
from alerts
where status = 'open'
order by severity = 'critical' desc, opened_on, metric, market;
