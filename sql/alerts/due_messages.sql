-- due_messages: what to send now, one row per message. Grain: (sink, message): with
-- [alerts] group = "event" (the default) a message per due outbox row, with group = "run" one
-- message per sink holding all of that sink's due rows.
-- Inputs: alert_notifications (the outbox), alert_events (their order). Variables: now, alert_group.
-- Method: a row is due when it is not delivered yet and past its backoff. Rows are taken in the
-- order the events were recorded and, within a run, openings, then escalations, then resolutions
-- (each by day), so a receiver sees an alert open before it resolves; messages come in the order
-- of their first row, and a group lists its events in that order.
-- A single-event message is the event's own payload under its own key (event_id). A grouped
-- message is {"text", "message_key", "events"}: `events` holds every event's own payload (each
-- with its event_id), `text` a Slack-compatible header line and each event's line, and
-- message_key = 'run|' + the first 16 hex digits of the SHA-256 of its event ids (sorted, one a
-- line): the same events make the same key, so a receiver can drop a repeated message whole.
-- `attempts` is the most any of its rows has had: a failed group backs off as its most-tried row.
with due as (
    select
        n.event_id,
        n.sink,
        n.payload,
        n.attempts,
        row_number() over (
            order by
                e.created_at,
                case e.event
                    when 'opened' then 1 when 'reopened' then 1 when 'escalated' then 2 else 3
                end,
                e.metric_date,
                n.event_id,
                n.sink
        ) as delivery_order
    from alert_notifications as n
    inner join alert_events as e using (event_id)
    where n.status <> 'delivered' and n.next_attempt_at <= getvariable('now')
),

messages as (
    select
        sink,
        list(event_id order by delivery_order) as event_ids,
        list(payload order by delivery_order) as payloads,
        max(attempts) as attempts,
        min(delivery_order) as first_order
    from due
    -- "run": one message per sink; otherwise one per row
    group by sink, case getvariable('alert_group') when 'run' then null else event_id end
),

keyed as (
    select
        *,
        case
            when getvariable('alert_group') = 'run' then
                'run|' || left(sha256(array_to_string(list_sort(event_ids), chr(10))), 16)
            else event_ids[1]
        end as message_key
    from messages
)

select
    sink,
    message_key,
    event_ids,
    payloads,
    attempts,
    case
        when getvariable('alert_group') = 'run' then
            json_object(
                'text',
                printf('%d alert %s:', len(event_ids),
                    case len(event_ids) when 1 then 'event' else 'events' end)
                || chr(10)
                || array_to_string(
                    list_transform(payloads, lambda p: '- ' || (p::json ->> 'text')), chr(10)
                ),
                'message_key', message_key,
                'events', list_transform(payloads, lambda p: p::json)
            )::varchar
        else payloads[1]
    end as payload
from keyed
order by first_order;
