-- due_notifications: the outbox rows to deliver now: not delivered yet, and past their backoff.
-- In the order the events were recorded and, within a run, openings, then escalations, then
-- resolutions (each by day), so a receiver sees an alert open before it resolves.
-- Variables: now.
select
    n.event_id,
    n.sink,
    n.payload,
    n.attempts
from alert_notifications as n
inner join alert_events as e using (event_id)
where n.status <> 'delivered' and n.next_attempt_at <= getvariable('now')
order by
    e.created_at,
    case e.event when 'opened' then 1 when 'reopened' then 1 when 'escalated' then 2 else 3 end,
    e.metric_date,
    n.event_id,
    n.sink;
