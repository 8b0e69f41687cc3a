-- recent_days_from: the first day views/decisions_of.sql looks among first (the variable
-- recent_days_from): the latest stored day less the longer of the appeal and audit windows of
-- the last run (warehouse_info), a day more for the zones. The decisions a run's appeals and
-- audits refer to are almost all on these days. NULL on a new warehouse: every day is recent.
-- Run by the ingest and metrics steps before their lookups; any value gives the same rows.
set variable recent_days_from = (
    select max(metric_date) - (
        select max(greatest(appeal_window_days, coalesce(audit_window_days, 0)))::integer
        from warehouse_info
    ) - 1
    from daily_metrics
);
