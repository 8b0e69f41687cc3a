-- alert_notifications: the outbox, one row per (event, sink). A run writes an event's rows in
-- the transaction that records the event, then delivers what is due (one message a row, or one
-- a sink with [alerts] group = "run": sql/alerts/due_messages.sql); a failed delivery stays
-- here ('failed') with its error and is retried from next_attempt_at, doubling the wait.
create table if not exists alert_notifications (
    event_id varchar not null,             -- alert_events.event_id: the event's idempotency key
    alert_id varchar not null,
    event varchar not null,                -- opened | escalated | resolved
    sink varchar not null,                 -- console | jsonl | webhook
    payload varchar not null,              -- JSON: a Slack-compatible `text` and the fields
    status varchar not null,               -- pending | delivered | failed
    attempts integer not null,
    last_error varchar,                    -- why the last attempt failed (never the webhook URL)
    next_attempt_at timestamptz not null,  -- not retried before
    delivered_at timestamptz,
    created_at timestamptz not null,
    primary key (event_id, sink)
);
-- the Idempotency-Key of the message that last carried the row: its event_id, or with
-- [alerts] group = "run" the grouped message's key (sql/alerts/due_messages.sql); NULL until tried
alter table alert_notifications add column if not exists message_key varchar;
