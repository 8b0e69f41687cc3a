-- alerts: one row per alert, open or resolved. Grain: alert_id = metric|market|<the opened_on it
-- was first recorded with>. Derived again by every run from metric_breakdowns (through the
-- metric_values macro) and alert_thresholds (see sql/alerts/alert_history.sql), and matched to
-- the stored alert whose days it overlaps (sql/alerts/update_alerts.sql), so a restated day
-- rewrites the rows it touches and an alert keeps its id when its first day moves.
create table if not exists alerts (
    alert_id varchar primary key,          -- metric|market|first recorded opened_on
    metric varchar not null,
    market varchar not null,
    severity varchar not null,             -- warning | critical (once critical, stays so)
    status varchar not null,               -- open | resolved
    opened_on date not null,               -- metric_date of the first breaching day
    last_breach_on date not null,          -- metric_date of the last breaching day
    resolved_on date,                      -- metric_date of the recovery day; NULL while open
    worst_value double not null,           -- the furthest past the threshold of its days
    worst_low double,                      -- the 95% interval of that day
    worst_high double,
    threshold double not null,             -- the threshold of its current severity
    opened_at timestamptz not null,        -- when a run first found it
    updated_at timestamptz not null,       -- when a run last changed it
    resolved_at timestamptz,               -- when a run found it resolved
    confirmed_on date not null,            -- the day the streak reached for_days ('opened' event)
    worst_on date not null,                -- the day of worst_value
    resolution varchar                     -- recovered | withdrawn (a restated day took the
                                           -- breach away); NULL while open
);
