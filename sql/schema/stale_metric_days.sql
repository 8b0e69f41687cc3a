-- stale_metric_days: metric days daily_metrics must recompute whole: the new days of a run (days
-- it holds nothing for), a market's days when its time zone changed, every day after a rebuild.
-- The decisions a run changes on the other days are queued in restated_decisions instead.
-- A durable work queue: ingestion adds days in its transaction, the metrics step clears them in its
-- own, so a run that fails between the two recomputes them next time.
create table if not exists stale_metric_days (
    metric_date date not null
);
