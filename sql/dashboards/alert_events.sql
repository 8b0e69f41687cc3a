-- Alert markers on the trends: when each alert opened, escalated or resolved.
select metric, market, event, metric_date, severity, value, threshold
from alert_events
order by metric, market, metric_date;
