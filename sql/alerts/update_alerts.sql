-- update_alerts: store the derived history (sql/alerts/alert_history.sql): match it to the stored
-- alerts, upsert them, record the events (what changed since the stored state) and queue one
-- notification per (event worth announcing, sink) in the outbox. Runs in one transaction with
-- alert_history.sql. Variables: run_id, now, alert_sinks (the configured sinks). Temp table
-- previous_thresholds: alert_thresholds as it was before this run rewrote it.
--
-- Identity: a derived alert is the stored alert of the same (metric, market) whose
-- [opened_on, resolved_on] overlaps it, so a restatement that moves its first day or its
-- recovery day keeps its alert_id (and moves opened_on); only a derived alert that overlaps no
-- stored one is new, and only a stored alert that no derived one overlaps is withdrawn.
--
-- Events are the changes between the stored alert and the derived one, so running again on the
-- same data records and sends nothing: a new alert 'opened' (and 'escalated', 'resolved' if the
-- days say so), an open one 'escalated' or 'resolved', a resolved one that the restated days show
-- open again 'reopened', an open one that no longer exists 'resolved' with a note (withdrawn).
-- A resolved alert that stays resolved changes silently (e.g. a restated recovery day).
-- Severity never goes back (notice < warning < critical): a warning that became critical stays
-- critical, even if restated days take the critical day away (the owners were told it is
-- critical); a notice (the evidence rule's shift alert) that becomes a warning is 'escalated'.
-- The text says why: for the evidence rule, the pooled (projected) rate of the CUSUM run behind
-- the event with its 95% interval, its days and the share of their appeals in, and the target
-- it is past (a notice: how many times its usual level, and that it is still under warn); an
-- opening or escalation then names the market-metric's top driver (views/rate_drivers.sql
-- top_rate_drivers) with the two weeks it compares.
-- event_id is alert_id|event for an alert's first event of a kind, alert_id|event|n for its n-th
-- (a reopened alert resolves again): unique per occurrence, and the same on a rerun.
--
-- Notified: every event is recorded; it is queued for the sinks only when it is news and still
-- matters (alert_events.notified), so a first load of a long history announces what is current,
-- not alerts resolved weeks ago:
--   * any event of an alert that was open (the owners were told it is open) and any reopening;
--   * otherwise, when its metric_date is on or after the first day this run could have judged
--     differently (the first day it recomputed, or the first day that settled since the last
--     run) or the alert's rules changed (a first run has no previous rules), and the alert is
--     open after the run or resolved on or after as_of_date - appeal_window_days.
create or replace temp table alert_run as
with this_run as (
    select first_day_recomputed from pipeline_runs where run_id = getvariable('run_id')
),

previous_run as (
    select as_of_date from pipeline_runs
    where run_id <> getvariable('run_id')
    order by finished_at desc
    limit 1
)

select
    w.as_of_date,
    w.appeal_window_days,
    (select first_day_recomputed from this_run) as first_day_recomputed,
    -- days up to as_of_date - appeal_window_days are settled: those past the previous run's
    -- boundary settled in this run, and may judge differently now; no previous run: all are new
    least(
        coalesce((select first_day_recomputed from this_run), date '9999-12-31'),
        coalesce(
            (select as_of_date from previous_run) - w.appeal_window_days + 1, date '0001-01-01'
        )
    ) as news_from,
    w.as_of_date - w.appeal_window_days as recent_from
from warehouse_info as w;

create or replace temp table changed_rules as
select distinct metric, market from (
    from alert_thresholds
    except
    from previous_thresholds
);

create or replace temp table matched_alerts as
with pairs as (
    -- stored and derived alerts whose spans overlap
    select
        d.metric,
        d.market,
        d.opened_on,
        s.alert_id,
        row_number() over (
            partition by d.metric, d.market, d.opened_on
            order by s.resolution is not distinct from 'withdrawn', s.opened_on, s.alert_id
        ) as stored_rank,
        row_number() over (partition by s.alert_id order by d.opened_on) as derived_rank
    from derived_alerts as d
    inner join alerts as s
        on
            s.metric = d.metric
            and s.market = d.market
            and s.opened_on <= coalesce(d.resolved_on, date '9999-12-31')
            and d.opened_on <= coalesce(s.resolved_on, date '9999-12-31')
),

matches as (
    -- one stored alert per derived one and the other way round: the earliest of each
    select metric, market, opened_on, alert_id from pairs where stored_rank = 1 and derived_rank = 1
)

select
    -- a new alert: metric|market|opened_on, with |n if a stored alert holds that id already
    coalesce(
        m.alert_id,
        d.metric || '|' || d.market || '|' || d.opened_on || coalesce(
            '|' || (
                select nullif(count(*), 0) + 1 from alerts as a
                where
                    a.alert_id = d.metric || '|' || d.market || '|' || d.opened_on
                    or a.alert_id like d.metric || '|' || d.market || '|' || d.opened_on || '|%'
            ),
            ''
        )
    ) as alert_id,
    d.* exclude (severity, threshold),
    s.status as was_status,
    s.severity as was_severity,
    -- never back: notice < warning < critical
    case
        when 'critical' in (d.severity, s.severity) then 'critical'
        when 'warning' in (d.severity, s.severity) then 'warning'
        else 'notice'
    end as severity,
    case when 'critical' in (d.severity, s.severity) then d.critical_threshold
        else d.warn_threshold end as threshold
from derived_alerts as d
left join matches as m using (metric, market, opened_on)
left join alerts as s on s.alert_id = m.alert_id;

create or replace temp table new_events as
with transitions as (
    select
        alert_id,
        metric,
        market,
        'opened' as event,
        1 as step,
        confirmed_on as metric_date,
        opened_severity as severity,
        case when opened_critical then critical_threshold else warn_threshold end as threshold,
        null as note
    from matched_alerts
    where was_status is null

    union all

    select
        alert_id,
        metric,
        market,
        'reopened',
        1,
        -- the latest breaching day: open again since the restatement
        last_breach_on,
        was_severity,
        case was_severity when 'critical' then critical_threshold else warn_threshold end,
        null
    from matched_alerts
    where was_status = 'resolved' and status = 'open'

    union all

    -- to a higher severity than the owners were told (a notice becoming a warning, either
    -- becoming critical), dated on the first day at the new severity
    select
        alert_id,
        metric,
        market,
        'escalated',
        2,
        case severity when 'critical' then first_critical_on else first_warning_on end,
        severity,
        case severity when 'critical' then critical_threshold else warn_threshold end,
        null
    from matched_alerts
    where
        case severity when 'critical' then first_critical_on else first_warning_on end
            is not null
        and list_position(['notice', 'warning', 'critical'], severity)
        > list_position(['notice', 'warning', 'critical'], coalesce(was_severity, opened_severity))
        and (was_status is null or was_status = 'open' or status = 'open')

    union all

    select
        alert_id,
        metric,
        market,
        'resolved',
        3,
        resolved_on,
        severity,
        recovery_threshold,
        null
    from matched_alerts
    where status = 'resolved' and (was_status is null or was_status = 'open')

    union all

    -- an open alert that the derived history no longer holds: withdrawn, dated on the first day
    -- the run recomputed (never before the alert opened)
    select
        s.alert_id,
        s.metric,
        s.market,
        'resolved',
        3,
        greatest(s.opened_on, coalesce(r.first_day_recomputed, r.as_of_date)),
        s.severity,
        null,
        case
            when exists (
                select 1 from changed_rules as c where c.metric = s.metric and c.market = s.market
            ) then 'withdrawn: the rules changed'
            else 'withdrawn: the restated days no longer breach'
        end
    from alerts as s
    cross join alert_run as r
    where s.status = 'open' and s.alert_id not in (select alert_id from matched_alerts)
),

numbered as (
    -- the n-th event of its kind for the alert: alert_id|event, then alert_id|event|n
    select
        e.*,
        1 + (
            select count(*) from alert_events as p
            where p.alert_id = e.alert_id and p.event = e.event
        ) as occurrence
    from transitions as e
),

fresh as (
    select
        e.*,
        e.alert_id || '|' || e.event || case when occurrence > 1 then '|' || occurrence else '' end
            as event_id,
        t.direction,
        t.warn_threshold,
        -- the day the text quotes: an alert critical from an earlier day quotes that day
        case
            when
                e.event in ('opened', 'reopened') and e.severity = 'critical'
                and a.first_critical_on <= e.metric_date
                then a.first_critical_on
            else e.metric_date
        end as quoted_on,
        a.opened_on,
        a.resolved_on,
        a.status,
        a.was_status
    from numbered as e
    inner join alert_thresholds as t using (metric, market)
    left join matched_alerts as a using (alert_id)
),

valued as (
    select
        e.* exclude (opened_on),
        coalesce(e.opened_on, s.opened_on) as opened_on,
        -- the event's own day (the dashboards' markers); a withdrawn alert has no day to quote
        case when e.note is null then d.value end as value,
        case when e.note is null then d.low end as low,
        case when e.note is null then d.high end as high,
        q.value as quoted_value,
        q.low as quoted_low,
        q.high as quoted_high,
        q.alert_method,
        -- the evidence rule's why: the pooled (projected) rate of the quoted day's CUSUM run,
        -- x / e, with a normal 95% interval carrying phi; the shift run against its baseline
        case when e.severity = 'notice' then q.shift_run_days else q.warn_run_days end
            as run_days,
        case when e.severity = 'notice' then q.shift_run_from else q.warn_run_from end
            as run_from,
        case when e.severity = 'notice' then q.shift_run_x / q.shift_run_e
            else q.warn_run_x / q.warn_run_e end as run_rate,
        case when e.severity = 'notice' then q.shift_run_e / q.shift_run_n
            else q.warn_run_e / q.warn_run_n end as run_completeness,
        case when e.severity = 'notice' then q.shift_run_e else q.warn_run_e end as run_e,
        q.shift_run_expected / q.shift_run_e as run_baseline,
        q.phi as quoted_phi,
        q.s_critical > q.h as evidence_critical,
        q.s_warn > q.h_critical as evidence_overwhelming,
        -- the reason, from the quoted day itself
        case
            when q.sign * q.value > q.sign * q.critical_threshold then 'critical'
            when q.sign * (case q.sign when 1 then q.low else q.high end) > q.sign * q.warn_threshold
                then 'significant'
            else 'warn'
        end as reason,
        coalesce(
            e.was_status = 'open'
            or e.note is not null  -- withdrawn: it was open
            or e.event = 'reopened'
            or (
                (
                    e.metric_date >= r.news_from
                    or exists (
                        select 1 from changed_rules as c
                        where c.metric = e.metric and c.market = e.market
                    )
                )
                and (e.status = 'open' or e.resolved_on >= r.recent_from)
            ),
            false
        ) as notified
    from fresh as e
    cross join alert_run as r
    left join alerts as s on s.alert_id = e.alert_id
    left join judged_days as d
        on d.metric = e.metric and d.market = e.market and d.metric_date = e.metric_date
    left join judged_days as q
        on q.metric = e.metric and q.market = e.market and q.metric_date = e.quoted_on
),

worded as (
    -- a Slack-compatible one-line summary
    select
        *,
        printf('%.2f%%', 100 * quoted_value) as value_text,
        printf('%.2f%%', 100 * threshold) as threshold_text,
        printf(' (95%% CI %.2f%% to %.2f%%)', 100 * quoted_low, 100 * quoted_high)
            as interval_text,
        printf('%s%.2f%%', case when run_completeness < 1 then 'projected ' else '' end,
            100 * run_rate)
        || case when severity = 'notice' then '' else printf(' (95%% %.2f%% to %.2f%%)',
            100 * greatest(0, run_rate - 1.959963984540054
                * sqrt(quoted_phi * run_rate * (1 - run_rate) / run_e)),
            100 * least(1, run_rate + 1.959963984540054
                * sqrt(quoted_phi * run_rate * (1 - run_rate) / run_e))) end
        || printf(' over %d day%s since %s', run_days, case when run_days = 1 then '' else 's' end,
            run_from)
        || case when run_completeness < 1 then
            printf(' with %.0f%% of their appeals in', 100 * run_completeness) else '' end
            as evidence_text
    from valued
)

select
    event_id,
    alert_id,
    metric,
    market,
    event,
    step,
    metric_date,
    severity,
    value,
    threshold,
    low,
    high,
    note,
    direction,
    opened_on,
    quoted_on,
    notified,
    case
        when note is not null then
            printf('[RESOLVED] %s %s: alert open since %s withdrawn (%s)',
                metric, market, opened_on, note)
        when event = 'resolved' and alert_method = 'evidence' then
            printf('[RESOLVED] %s %s: %s on %s, no evidence left past warn or its usual level; '
                || 'open since %s', metric, market, value_text, quoted_on, opened_on)
        when event = 'resolved' then
            printf('[RESOLVED] %s %s: %s on %s, back %s the recovery threshold %s; open since %s',
                metric, market, value_text, quoted_on,
                case direction when 'above' then 'below' else 'above' end, threshold_text,
                opened_on)
        when alert_method = 'evidence' and severity = 'notice' then
            printf('[NOTICE] %s %s %s: %s, %.1f times its usual %.2f%% (weekday pattern known), '
                || 'still %s the warn threshold %.2f%%',
                metric, market, event, evidence_text, run_rate / run_baseline,
                100 * run_baseline, case direction when 'above' then 'under' else 'over' end,
                100 * warn_threshold)
        when alert_method = 'evidence' then
            printf('[%s] %s %s %s: %s; %s (at %g false alarms a year across all series)',
                upper(severity), metric, market, event, evidence_text,
                case
                    when severity = 'critical' and evidence_critical then printf(
                        'evidence %s the critical threshold %.2f%%', direction,
                        100 * (
                            select t.critical_threshold from alert_thresholds as t
                            where t.metric = worded.metric and t.market = worded.market
                        ))
                    when severity = 'critical' and evidence_overwhelming then printf(
                        'overwhelming evidence %s the warn threshold %.2f%%', direction,
                        100 * warn_threshold)
                    else printf('evidence %s the warn threshold %.2f%%', direction,
                        100 * warn_threshold)
                end,
                getvariable('false_alarms_per_year'))
        else
            printf('[%s] %s %s %s: %s on %s%s, %s; breaching since %s',
                upper(severity), metric, market, event, value_text, quoted_on, interval_text,
                case reason
                    when 'critical' then printf('%s the critical threshold %s', direction,
                        printf('%.2f%%', 100 * (
                            select t.critical_threshold from alert_thresholds as t
                            where t.metric = worded.metric and t.market = worded.market
                        )))
                    when 'significant' then printf('the whole interval %s the warn threshold %s',
                        direction, printf('%.2f%%', 100 * warn_threshold))
                    else printf('%s the warn threshold %s', direction,
                        printf('%.2f%%', 100 * warn_threshold))
                end,
                opened_on)
    end
    -- what moved the rate most between the default weeks (views/rate_drivers.sql), with its weeks:
    -- for overkill and leakage the settled ones, older than the alert's young days
    || coalesce(
        case when note is null and event <> 'resolved' then (
            select printf('; top %s (%s..%s against %s..%s)', drivers.driver_text,
                drivers.period_first_day, drivers.period_last_day,
                drivers.baseline_first_day, drivers.baseline_last_day)
            from top_rate_drivers as drivers
            where drivers.market = worded.market and drivers.metric = worded.metric
            order by drivers.dimension, drivers.segment
            limit 1
        ) end,
        ''
    ) as text
from worded;

-- the derived alerts, under their stored ids
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
from matched_alerts
on conflict (alert_id) do update set
    severity = excluded.severity,
    status = excluded.status,
    opened_on = excluded.opened_on,
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
    alerts.severity, alerts.status, alerts.opened_on, alerts.last_breach_on, alerts.resolved_on,
    alerts.worst_value, alerts.worst_low, alerts.worst_high, alerts.threshold,
    alerts.confirmed_on, alerts.worst_on, alerts.resolution
) is distinct from row(
    excluded.severity, excluded.status, excluded.opened_on, excluded.last_breach_on,
    excluded.resolved_on, excluded.worst_value, excluded.worst_low, excluded.worst_high,
    excluded.threshold, excluded.confirmed_on, excluded.worst_on, excluded.resolution
);

-- withdrawn: kept for the record (dashboards' markers), resolved on the day of its event (an
-- open alert) or where it stood, never before it opened
update alerts set
    status = 'resolved',
    resolution = 'withdrawn',
    resolved_on = greatest(
        opened_on,
        coalesce(
            resolved_on,
            (select max(metric_date) from new_events as e where e.alert_id = alerts.alert_id),
            opened_on
        )
    ),
    resolved_at = coalesce(resolved_at, getvariable('now')),
    updated_at = getvariable('now')
where
    alert_id not in (select alert_id from matched_alerts)
    and resolution is distinct from 'withdrawn';

insert into alert_events (
    event_id, alert_id, metric, market, event, metric_date, severity, value, threshold,
    created_at, low, high, note, run_id, notified
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
    getvariable('run_id'),
    notified
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
        'quoted_on', e.quoted_on,
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
where e.notified
-- in the order they happened, so that a receiver sees an alert open before it resolves
order by e.step, e.metric_date, e.event_id;
