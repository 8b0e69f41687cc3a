-- stale_metric_days: metric days that ingestion changed and daily_metrics must recompute.
-- A durable work queue: ingestion adds days in its transaction, the metrics step clears them in its
-- own, so a run that fails between the two recomputes them next time.
create table if not exists stale_metric_days (
    metric_date date not null
);
