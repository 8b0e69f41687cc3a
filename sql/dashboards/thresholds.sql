-- The alert thresholds the trends draw (as the last run's alerts evaluated them).
select metric, market, direction, warn_threshold, critical_threshold
from alert_thresholds
order by metric, market;
