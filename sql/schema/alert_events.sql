-- alert_events: one row per alert event, whichever sinks deliver it. Grain: event_id =
-- alert_id|event for an alert's first event of a kind, alert_id|event|n for its n-th (an alert
-- reopened by a restatement resolves a second time): the idempotency key receivers see. Events
-- are changes of the stored alerts, so running again never makes a second event.
create table if not exists alert_events (
    event_id varchar primary key,          -- alert_id|event, or alert_id|event|n
    alert_id varchar not null,
    metric varchar not null,
    market varchar not null,
    event varchar not null,                -- opened | reopened | escalated | resolved
    metric_date date not null,             -- the day that caused it
    severity varchar not null,             -- the alert's severity after the event
    value double,                          -- the metric that day (NULL for a withdrawn alert)
    threshold double,                      -- the threshold it crossed (recovery for resolved)
    created_at timestamptz not null,
    low double,                            -- the 95% interval that day
    high double,
    note varchar,                          -- e.g. why a withdrawn alert resolved
    run_id varchar not null,               -- the run that found it
    notified boolean                       -- queued for the sinks; false: recorded only (old news)
);
-- warehouses created before `notified` existed
alter table alert_events add column if not exists notified boolean;
