-- TEMPORARY (replaced by the alerts issue's schema on merge): the alert tables the dashboards read.
create table if not exists alert_thresholds (
    metric varchar, market varchar, direction varchar, warn_threshold double,
    critical_threshold double, recovery_threshold double, min_denominator bigint,
    for_days integer, provisional_opens boolean
);
create table if not exists alerts (
    alert_id varchar, metric varchar, market varchar, severity varchar, status varchar,
    opened_on date, last_breach_on date, resolved_on date, worst_value double, worst_low double,
    worst_high double, threshold double, opened_at timestamptz, updated_at timestamptz,
    resolved_at timestamptz
);
create table if not exists alert_events (
    event_id varchar, alert_id varchar, metric varchar, market varchar, event varchar,
    metric_date date, severity varchar, value double, threshold double, created_at timestamptz
);
