-- alert_history: the whole alert history, derived from the market-day metrics and alert_thresholds.
-- Grain of derived_alerts: (metric, market, opened_on). A pure function of the data and the
-- rules: the same data gives the same alerts, and a restated day gives the history it implies.
-- Writes the temp tables judged_days and derived_alerts; sql/alerts/update_alerts.sql matches them
-- to the stored alerts (which keep their alert_id) and stores them.
--
-- The rules, per (metric, market), over its judged days in date order:
--   judged    the value exists, its denominator (metric_values' sample_size: the interval's n,
--             the Kish effective n for the audit rates) reaches min_denominator, and the day is
--             settled (or provisional_opens); other days are skipped: they neither break nor
--             extend a streak, open, escalate nor resolve anything
--   breach    past the warn threshold (above: value > warn; below: value < warn)
--   critical  past the critical threshold, or the whole 95% interval past warn (significant)
--   recovered back past the recovery threshold (never a breach: recovery <= warn for above)
-- A provisional overkill_rate or leakage_rate is a lower bound (its numerator only grows while
-- appeals arrive): past an 'above' threshold it is a real breach, but back under recovery it is
-- not yet a recovery (it may still rise), so such a day never resolves an alert ('below': the
-- other way round: it may recover, never breach).
-- An alert opens on the day a streak of breaching judged days reaches for_days (confirmed_on),
-- dated from the streak's first day (opened_on), unless an alert is open already; it stays open
-- through breaches and the band between recovery and warn (hysteresis), and resolves on the
-- first recovered day after confirmed_on. These are window functions, no loop: streaks are
-- islands of breaching days, and of the streaks that one recovery day would resolve, only the
-- first opens an alert (the later ones fall inside it).
create or replace temp table judged_days as
with metric_days as (
    -- one row per (metric, market, day): the value, its interval, the n it was computed on
    -- (metric_values over metric_breakdowns: the Kish effective n for the audit rates)
    select
        first_day as metric_date,
        market,
        provisional,
        metric,
        value,
        low,
        high,
        sample_size as denominator
    from metric_values(metric_breakdowns)
    where breakdown = 'market' and period = 'day'
),

judged as (
    select
        d.metric,
        d.market,
        d.metric_date,
        d.value,
        d.low,
        d.high,
        t.direction,
        t.warn_threshold,
        t.critical_threshold,
        t.recovery_threshold,
        t.for_days,
        -- a lower bound: see the header
        d.provisional and d.metric in ('overkill_rate', 'leakage_rate') as lower_bound,
        -- +1 when high values are bad, -1 when low ones are: `sign * x > sign * y` is "x past y"
        case t.direction when 'above' then 1 else -1 end as sign
    from metric_days as d
    inner join alert_thresholds as t using (metric, market)
    where
        d.value is not null
        and d.denominator >= t.min_denominator
        and (not d.provisional or t.provisional_opens)
),

levels as (
    select
        *,
        not (lower_bound and sign = -1) and sign * value > sign * warn_threshold as breach,
        not (lower_bound and sign = -1) and (
            sign * value > sign * critical_threshold
            -- the interval's near end past warn: the breach is statistically significant
            or sign * (case sign when 1 then low else high end) > sign * warn_threshold
        ) as critical,
        not (lower_bound and sign = 1) and sign * value < sign * recovery_threshold as recovered,
        row_number() over (partition by metric, market order by metric_date) as day_number
    from judged
),

islands as (
    -- consecutive breaching days share (day_number - their rank among breaching days)
    select
        *,
        day_number
        - row_number() over (partition by metric, market, breach order by metric_date)
            as island
    from levels
)

select
    *,
    case when breach then
        row_number() over (partition by metric, market, breach, island order by metric_date)
    end as streak_day,
    case when breach then
        min(metric_date) over (partition by metric, market, breach, island)
    end as streak_start,
    -- the first recovered day after this one: it resolves an alert open on this day
    min(case when recovered then metric_date end) over (
        partition by metric, market order by metric_date
        rows between 1 following and unbounded following
    ) as next_recovery_on
from islands;

create or replace temp table derived_alerts as
with openings as (
    -- a streak reaching for_days, unless an earlier one that the same recovery day resolves
    -- has opened the alert already
    select
        metric,
        market,
        streak_start as opened_on,
        metric_date as confirmed_on,
        next_recovery_on as resolved_on
    from judged_days
    where streak_day = for_days
    qualify row_number() over (
        partition by metric, market, next_recovery_on order by metric_date
    ) = 1
),

alert_days as (
    select
        o.opened_on,
        o.confirmed_on,
        o.resolved_on,
        j.*,
        row_number() over (
            partition by o.metric, o.market, o.opened_on
            order by j.breach desc, j.sign * j.value desc, j.metric_date
        ) as worst_rank
    from openings as o
    inner join judged_days as j
        on
            j.metric = o.metric
            and j.market = o.market
            and j.metric_date between o.opened_on and coalesce(o.resolved_on, date '9999-12-31')
),

summary as (
    select
        metric,
        market,
        opened_on,
        any_value(confirmed_on) as confirmed_on,
        any_value(resolved_on) as resolved_on,
        max(metric_date) filter (where breach) as last_breach_on,
        coalesce(bool_or(critical) filter (where metric_date <= confirmed_on), false)
            as opened_critical,
        min(metric_date) filter (where critical) as first_critical_on,
        any_value(metric_date) filter (where worst_rank = 1) as worst_on,
        any_value(value) filter (where worst_rank = 1) as worst_value,
        any_value(low) filter (where worst_rank = 1) as worst_low,
        any_value(high) filter (where worst_rank = 1) as worst_high,
        any_value(warn_threshold) as warn_threshold,
        any_value(critical_threshold) as critical_threshold,
        any_value(recovery_threshold) as recovery_threshold,
        any_value(direction) as direction
    from alert_days
    group by metric, market, opened_on
)

select
    *,
    case when first_critical_on is not null then 'critical' else 'warning' end as severity,
    case when resolved_on is null then 'open' else 'resolved' end as status,
    case when first_critical_on is not null then critical_threshold else warn_threshold end
        as threshold
from summary;
