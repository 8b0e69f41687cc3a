-- update_alerts: store the derived history (sql/alerts/alert_history.sql): upsert alerts, record
-- the events not recorded yet, and queue one notification per (new event, sink) in the outbox.
-- Runs in one transaction with alert_history.sql. Variables: run_id, now, alert_sinks (the
-- enabled sinks).
--
-- Events are the difference between the history and what was announced: an alert announces
-- 'opened', 'escalated' and 'resolved' at most once each (event_id = alert_id|event), so running
-- again on the same data records and sends nothing, and a restated day announces only what it
-- changed. An open alert that the restated data no longer shows is withdrawn: resolved, with
-- resolution 'withdrawn', announced by a 'resolved' event with a note.
create or replace temp table new_events as
with announced_openings as (
    select alert_id, severity from alert_events where event = 'opened'
),

withdrawn_on as (
    -- the first day this run recomputed: a restated day there is why the alert is gone
    select coalesce(
        (select first_day_recomputed from pipeline_runs where run_id = getvariable('run_id')),
        (select as_of_date from warehouse_info)
    ) as metric_date
),

history_events as (
    select
        alert_id,
        metric,
        market,
        'opened' as event,
        confirmed_on as metric_date,
        case when opened_critical then 'critical' else 'warning' end as severity,
        case when opened_critical then critical_threshold else warn_threshold end as threshold,
        opened_on,
        null as note
    from derived_alerts

    union all

    -- critical now, while the opening announced (or about to be) was a warning; an opening
    -- announced as a warning before a restatement made it critical escalates too
    select
        a.alert_id,
        a.metric,
        a.market,
        'escalated',
        a.first_critical_on,
        'critical',
        a.critical_threshold,
        a.opened_on,
        null
    from derived_alerts as a
    left join announced_openings as o using (alert_id)
    where
        a.severity = 'critical'
        and coalesce(o.severity, case when a.opened_critical then 'critical' end) is distinct from
        'critical'

    union all

    select
        alert_id,
        metric,
        market,
        'resolved',
        resolved_on,
        severity,
        recovery_threshold,
        opened_on,
        null
    from derived_alerts
    where status = 'resolved'

    union all

    select
        alert_id,
        metric,
        market,
        'resolved',
        (select metric_date from withdrawn_on),
        severity,
        null,
        opened_on,
        'withdrawn: the restated days no longer breach'
    from alerts
    where status = 'open' and alert_id not in (select alert_id from derived_alerts)
),

fresh as (
    select
        e.*,
        e.alert_id || '|' || e.event as event_id,
        t.direction,
        -- a withdrawn alert has no day of its own to quote
        case when e.note is null then d.value end as value,
        case when e.note is null then d.low end as low,
        case when e.note is null then d.high end as high,
        d.sign * d.value > d.sign * d.critical_threshold as past_critical
    from history_events as e
    inner join alert_thresholds as t using (metric, market)
    left join judged_days as d using (metric, market, metric_date)
    where e.alert_id || '|' || e.event not in (select event_id from alert_events)
),

worded as (
    -- a Slack-compatible one-line summary
    select
        *,
        printf('%.2f%%', 100 * value) as value_text,
        printf('%.2f%%', 100 * threshold) as threshold_text,
        printf(' (95%% CI %.2f%% to %.2f%%)', 100 * low, 100 * high) as interval_text
    from fresh
)

select
    event_id,
    alert_id,
    metric,
    market,
    event,
    metric_date,
    severity,
    value,
    threshold,
    low,
    high,
    note,
    direction,
    opened_on,
    case
        when note is not null then
            printf('[RESOLVED] %s %s: alert open since %s withdrawn (%s)',
                metric, market, opened_on, note)
        when event = 'resolved' then
            printf('[RESOLVED] %s %s: %s on %s, back %s the recovery threshold %s; open since %s',
                metric, market, value_text, metric_date,
                case direction when 'above' then 'below' else 'above' end, threshold_text,
                opened_on)
        else
            printf('[%s] %s %s %s: %s on %s%s, %s; breaching since %s',
                upper(severity), metric, market, event, value_text, metric_date, interval_text,
                case
                    when severity = 'warning' or past_critical then
                        printf('%s the %s threshold %s', direction,
                            case severity when 'critical' then 'critical' else 'warn' end,
                            threshold_text)
                    -- critical without reaching the critical threshold: significance
                    else printf('the whole interval %s the warn threshold %s', direction,
                        (select printf('%.2f%%', 100 * warn_threshold) from alert_thresholds as t
                         where t.metric = worded.metric and t.market = worded.market))
                end,
                opened_on)
    end as text
from worded;

insert into alerts (
    alert_id, metric, market, severity, status, opened_on, last_breach_on, resolved_on,
    worst_value, worst_low, worst_high, threshold, opened_at, updated_at, resolved_at,
    confirmed_on, worst_on, resolution
)
select
    alert_id,
    metric,
    market,
    severity,
    status,
    opened_on,
    last_breach_on,
    resolved_on,
    worst_value,
    worst_low,
    worst_high,
    threshold,
    getvariable('now'),
    getvariable('now'),
    case when status = 'resolved' then getvariable('now') end,
    confirmed_on,
    worst_on,
    case when status = 'resolved' then 'recovered' end
from derived_alerts
on conflict (alert_id) do update set
    severity = excluded.severity,
    status = excluded.status,
    last_breach_on = excluded.last_breach_on,
    resolved_on = excluded.resolved_on,
    worst_value = excluded.worst_value,
    worst_low = excluded.worst_low,
    worst_high = excluded.worst_high,
    threshold = excluded.threshold,
    updated_at = excluded.updated_at,
    resolved_at = case when excluded.status = 'resolved' then
        coalesce(alerts.resolved_at, excluded.resolved_at) end,
    confirmed_on = excluded.confirmed_on,
    worst_on = excluded.worst_on,
    resolution = excluded.resolution
-- an unchanged alert keeps its updated_at: running again changes nothing
where row(
    alerts.severity, alerts.status, alerts.last_breach_on, alerts.resolved_on, alerts.worst_value,
    alerts.worst_low, alerts.worst_high, alerts.threshold, alerts.confirmed_on, alerts.worst_on,
    alerts.resolution
) is distinct from row(
    excluded.severity, excluded.status, excluded.last_breach_on, excluded.resolved_on,
    excluded.worst_value, excluded.worst_low, excluded.worst_high, excluded.threshold,
    excluded.confirmed_on, excluded.worst_on, excluded.resolution
);

-- withdrawn: kept for the record (dashboards' markers), resolved on the restated day
update alerts set
    status = 'resolved',
    resolution = 'withdrawn',
    resolved_on = coalesce(
        resolved_on,
        (select metric_date from new_events as e where e.alert_id = alerts.alert_id)
    ),
    resolved_at = coalesce(resolved_at, getvariable('now')),
    updated_at = getvariable('now')
where
    alert_id not in (select alert_id from derived_alerts)
    and resolution is distinct from 'withdrawn';

insert into alert_events (
    event_id, alert_id, metric, market, event, metric_date, severity, value, threshold,
    created_at, low, high, note, run_id
)
select
    event_id,
    alert_id,
    metric,
    market,
    event,
    metric_date,
    severity,
    value,
    threshold,
    getvariable('now'),
    low,
    high,
    note,
    getvariable('run_id')
from new_events;

insert into alert_notifications (
    event_id, alert_id, event, sink, payload, status, attempts, last_error, next_attempt_at,
    delivered_at, created_at
)
select
    e.event_id,
    e.alert_id,
    e.event,
    sink,
    json_object(
        'text', e.text,
        'event_id', e.event_id,
        'alert_id', e.alert_id,
        'event', e.event,
        'metric', e.metric,
        'market', e.market,
        'severity', e.severity,
        'metric_date', e.metric_date,
        'value', e.value,
        'low', e.low,
        'high', e.high,
        'threshold', e.threshold,
        'direction', e.direction,
        'opened_on', e.opened_on,
        'note', e.note
    )::varchar,
    'pending',
    0,
    null,
    getvariable('now'),
    null,
    getvariable('now')
from new_events as e
cross join unnest(getvariable('alert_sinks')::varchar []) as sinks (sink)
-- in the order they happened, so that a receiver sees an alert open before it resolves
order by e.metric_date, e.event_id;
