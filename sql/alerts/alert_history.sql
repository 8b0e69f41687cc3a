-- alert_history: the whole alert history, derived from the market-day metrics and alert_thresholds.
-- Grain of judged_days: (metric, market, metric_date), one row per judged observation; of
-- derived_alerts: (metric, market, opened_on). A pure function of the data, the rules and the
-- [alerts] settings (variables alert_method, false_alarms_per_year, audit_rolling_days,
-- shift_alerts): the same data gives the same alerts, and a restated day gives the history it
-- implies. sql/alerts/update_alerts.sql matches derived_alerts to the stored alerts (which keep
-- their alert_id) and stores them.
--
-- Observations, per (metric, market), in date order:
--   window    overkill_rate, leakage_rate and penalty_ratio are judged per day; the audit rates
--             on the rolling window of the audit_rolling_days days ending on the day (weights
--             and Kish effective n summed over the window: never a single day of a few audits)
--   judged    the value exists, its n (the Kish effective n of the window for the audit rates)
--             reaches min_denominator, and the day is settled (or provisional_opens); other days
--             are skipped: they neither break nor extend anything
--   projected a provisional overkill or leakage day has c, the expected share of its final
--             overturns already known (market_daily_metrics' *_completeness, the nowcast's
--             development pattern): under a true rate p it holds c n p overturns so far, so the
--             rules compare its x known overturns with c n p (its exposure is e = c n; e = n
--             for every other day). A provisional day without c (too little history) counts
--             with c = 1: a lower bound, as the threshold rule treats it.
--
-- method = 'evidence' (the default): one-sided CUSUMs (Page, "Continuous inspection schemes",
-- 1954) on the counts, pooled over days, with the extra-binomial variation of the market's own
-- history:
--   history   the judged observations of the same (metric, market) settled when the day was
--             judged: metric_date in [d - appeal_window_days - 56, d - appeal_window_days)
--   baseline  b, the history's rate on the day's weekday, shrunk toward its overall rate by one
--             weekday's worth of pseudo-observations: (x_wd + r N / 7) / (n_wd + N / 7)
--   phi       max(1, Pearson chi2 of the history against its weekday baselines / (k - 7)): the
--             extra-binomial day-to-day variation; 1 with fewer than 14 history observations
--   e_ref     the history's mean n per observation (the day's own n without history)
--   increment against a rate p, in units of one typical day's standard deviation (a weighted
--             CUSUM: a young day with little information moves the sum little either way):
--               sign (x - e p) / sqrt(phi e_ref p (1 - p) w) - K e / e_ref
--             w: the window's days (each audit sits in w overlapping windows); against the
--             baseline the variance is times (1 + e_ref / the weekday's history exposure,
--             pseudo-observations included): the error of the baseline itself
--   S_t = max(0, S_(t-1) + increment_t), K = 0.5 (tuned to a shift of one day's sd past p);
--             the shift chart K = 1 (two sds: its baseline is itself an estimate, whose error
--             would shorten a K = 0.5 chart's run length many times over), and its day's
--             z is capped at 3 (a sustained move takes two days or more: the counts' skewed
--             tail makes single days past 4 sd far more common than a normal law says)
--   charts    warn (p = warn), critical (p = critical), shift (p = b; only with a baseline:
--             14 history observations, r > 0)
--   breach    S_warn > H: the data show the rate past warn; or S_shift > H_shift (shift_alerts):
--             a sustained move above the market's own weekday-adjusted level, even under warn
--   level     critical: S_critical > H (the data show it past critical) or S_warn > H_critical
--             (overwhelming evidence past warn); warning: S_warn > H; notice: S_shift > H only
--   recovered no evidence left (S_warn = 0 and S_shift = 0) and the value back past recovery
--             or back to its baseline
-- The false-alarm budget sets H (design below): false_alarms_per_year across all series is
-- split evenly over the charts (a warn chart per (metric, market), and a shift chart with
-- shift_alerts), so each needs an in-control average run length ARL0 >= 365 charts / budget
-- days. Siegmund's approximation ("Sequential analysis", 1985) for a CUSUM of unit-variance
-- increments with drift -K: ARL0 = (exp(2 K b) - 2 K b - 1) / (2 K^2), b = H + 1.166; H is the
-- smallest in steps of 0.01 that reaches the target (H_shift: with K = 1), H_critical the one for
-- 100 times it. It
-- holds at the worst case of a stable series, a true rate exactly at warn (under warn the drift
-- is more negative and false alarms rarer), and for the shift chart at a level exactly at its
-- baseline; benchmarks/alerts_benchmark.py measures it on simulated markets.
--
-- method = 'threshold' (the rule before the evidence rule, kept to compare): a day breaches when
-- its value is past warn, is critical past critical or with its whole 95% interval past warn, and
-- recovers back past recovery; an alert opens after for_days breaching judged days in a row.
--
-- A provisional overkill_rate or leakage_rate without c is a lower bound (its numerator only
-- grows while appeals arrive): past an 'above' threshold it is a real breach, but back under
-- recovery it is not yet a recovery (it may still rise). A provisional overkill or leakage day
-- never resolves an alert ('below': the other way round: it may recover, never breach).
-- An alert opens on the day a streak of breaching judged days reaches its length (for_days for
-- the threshold rule, 1 for the evidence rule, whose CUSUM has pooled the days already:
-- confirmed_on), dated from the streak's first day (threshold) or from the first day of the
-- CUSUM run that crossed (evidence: the day the move began) (opened_on), unless an alert is open
-- already; it stays open through breaches and the band between recovery and warn (hysteresis),
-- and resolves on the first recovered day after confirmed_on. Streaks are islands of breaching
-- days, and of the streaks that one recovery day would resolve, only the first opens an alert.
create or replace temp table judged_days as
with recursive settings as (
    select
        getvariable('alert_method') as alert_method,
        getvariable('audit_rolling_days') as audit_rolling_days,
        getvariable('shift_alerts') as shift_alerts,
        getvariable('false_alarms_per_year') as false_alarms_per_year,
        appeal_window_days,
        0.5 as k,                 -- K
        1.0 as k_shift,           -- K of the shift chart
        3.0 as shift_cap,         -- the shift chart's largest z a day
        56 as history_days,       -- the history's span, as the nowcast's
        14 as min_history         -- observations for a baseline and phi
    from warehouse_info
),

design as (
    -- H and H_critical from the budget, by Siegmund's approximation (see the header)
    select
        any_value(s.k) as k,
        any_value(s.k_shift) as k_shift,
        min(g.h) filter (where g.arl >= g.target) as h,
        min(g.h) filter (where g.arl >= 100 * g.target) as h_critical,
        min(g.h) filter (where g.arl_shift >= g.target) as h_shift
    from settings as s
    cross join lateral (
        select
            i / 100.0 as h,
            (exp(2 * s.k * (i / 100.0 + 1.166)) - 2 * s.k * (i / 100.0 + 1.166) - 1)
            / (2 * s.k * s.k) as arl,
            (exp(2 * s.k_shift * (i / 100.0 + 1.166)) - 2 * s.k_shift * (i / 100.0 + 1.166) - 1)
            / (2 * s.k_shift * s.k_shift) as arl_shift,
            365.0 * (select count(*) from alert_thresholds)
            * (case when s.shift_alerts then 2 else 1 end) / s.false_alarms_per_year as target
        from range(1, 5000) as r (i)
    ) as g
),

metric_days as (
    -- one row per (metric, market, day): the value, its interval, what it is made of
    select
        v.first_day as metric_date,
        v.market,
        v.provisional,
        v.metric,
        v.value,
        v.low,
        v.high,
        coalesce(v.numerator, 0) as numerator,
        coalesce(v.denominator, 0) as denominator,
        v.sample_size,
        -- sum of squared weights (Kish: n = (sum w)^2 / sum w^2); the count for unweighted rates
        coalesce(v.denominator * v.denominator / nullif(v.sample_size, 0), 0) as weight_sq,
        case
            when not v.provisional then 1.0
            when v.metric = 'overkill_rate' then m.overkill_completeness
            when v.metric = 'leakage_rate' then m.leakage_completeness
            else 1.0
        end as completeness
    from metric_values(metric_breakdowns) as v
    left join market_daily_metrics as m
        on m.metric_date = v.first_day and m.market = v.market
    where v.breakdown = 'market' and v.period = 'day'
),

windowed as (
    -- the audit rates over their rolling window (every market-day is a row: a day without
    -- audits adds nothing); the other rates as they are
    select
        *,
        sum(numerator) over audit_window as window_numerator,
        sum(denominator) over audit_window as window_denominator,
        sum(weight_sq) over audit_window as window_weight_sq,
        metric like 'audit\_%' escape '\' as is_audit
    from metric_days
    window audit_window as (
        partition by metric, market order by metric_date
        range between (getvariable('audit_rolling_days') - 1) preceding and current row
    )
),

observations as (
    select
        w.metric,
        w.market,
        w.metric_date,
        w.provisional,
        case when w.is_audit then s.audit_rolling_days else 1 end as window_days,
        case when w.is_audit then w.window_numerator / nullif(w.window_denominator, 0)
            else w.value end as value,
        case when w.is_audit then kish_n(w.window_denominator, w.window_weight_sq)
            else w.sample_size end as n,
        w.completeness,
        w.low,
        w.high
    from windowed as w
    cross join settings as s
),

judged as (
    select
        o.metric,
        o.market,
        o.metric_date,
        o.value,
        -- the audit windows' Wilson interval (the day's own is the others')
        case when o.window_days > 1 then wilson_low(o.value, o.n) else o.low end as low,
        case when o.window_days > 1 then wilson_high(o.value, o.n) else o.high end as high,
        o.n,
        o.value * o.n as x,
        coalesce(o.completeness, 1.0) * o.n as e,
        coalesce(o.completeness, 1.0) as completeness,
        o.window_days,
        t.direction,
        t.warn_threshold,
        t.critical_threshold,
        t.recovery_threshold,
        t.for_days,
        -- a lower bound: see the header
        o.provisional
        and o.metric in ('overkill_rate', 'leakage_rate')
        and o.completeness is null as lower_bound,
        -- a provisional overkill or leakage day never resolves
        o.provisional and o.metric in ('overkill_rate', 'leakage_rate') as unsettled,
        -- +1 when high values are bad, -1 when low ones are: `sign * x > sign * y` is "x past y"
        case t.direction when 'above' then 1 else -1 end as sign,
        row_number() over (partition by o.metric, o.market order by o.metric_date) as day_number
    from observations as o
    inner join alert_thresholds as t using (metric, market)
    where
        o.value is not null
        and o.n >= t.min_denominator
        and (not o.provisional or t.provisional_opens)
),

history as (
    -- each observation's history: the judged observations settled when it was judged
    select
        j.metric,
        j.market,
        j.metric_date,
        dayofweek(h.metric_date) as weekday,
        h.x,
        h.n
    from judged as j
    cross join settings as s
    inner join judged as h
        on
            h.metric = j.metric
            and h.market = j.market
            and h.metric_date >= j.metric_date - s.appeal_window_days - s.history_days
            and h.metric_date < j.metric_date - s.appeal_window_days
            and not h.unsettled
),

history_totals as (
    select metric, market, metric_date, count(*) as days, sum(x) as x, sum(n) as n
    from history
    group by metric, market, metric_date
),

weekday_rates as (
    -- the history's rate per weekday, shrunk toward its overall rate
    select
        h.metric,
        h.market,
        h.metric_date,
        h.weekday,
        (sum(h.x) + any_value(t.x) / 7) / (sum(h.n) + any_value(t.n) / 7) as rate,
        sum(h.n) + any_value(t.n) / 7 as exposure
    from history as h
    inner join history_totals as t using (metric, market, metric_date)
    group by h.metric, h.market, h.metric_date, h.weekday
),

dispersion as (
    select
        h.metric,
        h.market,
        h.metric_date,
        -- the seven weekday rates are fitted: k - 7 degrees of freedom
        sum((h.x - h.n * r.rate) ^ 2 / (h.n * r.rate * (1 - r.rate))) / (count(*) - 7) as phi
    from history as h
    inner join weekday_rates as r using (metric, market, metric_date, weekday)
    where r.rate > 0 and r.rate < 1 and h.n > 0
    group by h.metric, h.market, h.metric_date
    having count(*) > 7
),

scored as (
    select
        j.*,
        case when t.days >= s.min_history then greatest(1.0, coalesce(d.phi, 1.0)) else 1.0 end
            as phi,
        case when t.days >= s.min_history and t.x > 0 then
            coalesce(r.rate, t.x / t.n)
        end as baseline,
        -- the exposure the baseline was estimated on: its own error adds e_ref / exposure
        coalesce(r.exposure, t.n / 7) as baseline_exposure,
        coalesce(t.n / t.days, j.n) as e_ref
    from judged as j
    cross join settings as s
    left join history_totals as t using (metric, market, metric_date)
    left join weekday_rates as r
        on
            r.metric = j.metric
            and r.market = j.market
            and r.metric_date = j.metric_date
            and r.weekday = dayofweek(j.metric_date)
    left join dispersion as d using (metric, market, metric_date)
),

increments as (
    -- the CUSUM increments against warn, critical and the baseline (see the header); a
    -- lower bound is no evidence of being under a threshold ('below'), so it adds nothing
    select
        c.*,
        case when c.lower_bound and c.sign = -1 then 0.0 else
            c.sign * (c.x - c.e * c.warn_threshold)
            / sqrt(c.phi * c.e_ref * c.warn_threshold * (1 - c.warn_threshold) * c.window_days)
            - g.k * c.e / c.e_ref
        end as step_warn,
        case when c.lower_bound and c.sign = -1 then 0.0 else
            c.sign * (c.x - c.e * c.critical_threshold)
            / sqrt(
                c.phi * c.e_ref * c.critical_threshold * (1 - c.critical_threshold)
                * c.window_days
            )
            - g.k * c.e / c.e_ref
        end as step_critical,
        case
            when c.baseline is null or c.baseline >= 1 or not s.shift_alerts then null
            when c.lower_bound and c.sign = -1 then 0.0
            else least(s.shift_cap, c.sign * (c.x - c.e * c.baseline)
                / sqrt(
                    c.phi * c.e_ref * c.baseline * (1 - c.baseline) * c.window_days
                    * (1 + c.e_ref / c.baseline_exposure)
                ))
                - g.k_shift * c.e / c.e_ref
        end as step_shift
    from scored as c
    cross join design as g
    cross join settings as s
),

cusum as (
    -- S_t = max(0, S_(t-1) + step_t), with the running sums of the days of the current run
    -- (since the sum last stood at 0) that the alert's text quotes
    select
        metric,
        market,
        day_number,
        greatest(0.0, step_warn) as s_warn,
        greatest(0.0, step_critical) as s_critical,
        greatest(0.0, coalesce(step_shift, 0.0)) as s_shift,
        metric_date as warn_run_from,
        1 as warn_run_days,
        x as warn_run_x,
        e as warn_run_e,
        n as warn_run_n,
        metric_date as shift_run_from,
        1 as shift_run_days,
        x as shift_run_x,
        e as shift_run_e,
        n as shift_run_n,
        e * coalesce(baseline, 0) as shift_run_expected
    from increments
    where day_number = 1

    union all

    select
        i.metric,
        i.market,
        i.day_number,
        greatest(0.0, c.s_warn + i.step_warn),
        greatest(0.0, c.s_critical + i.step_critical),
        greatest(0.0, c.s_shift + coalesce(i.step_shift, -c.s_shift)),
        case when c.s_warn > 0 then c.warn_run_from else i.metric_date end,
        case when c.s_warn > 0 then c.warn_run_days else 0 end + 1,
        case when c.s_warn > 0 then c.warn_run_x else 0 end + i.x,
        case when c.s_warn > 0 then c.warn_run_e else 0 end + i.e,
        case when c.s_warn > 0 then c.warn_run_n else 0 end + i.n,
        case when c.s_shift > 0 then c.shift_run_from else i.metric_date end,
        case when c.s_shift > 0 then c.shift_run_days else 0 end + 1,
        case when c.s_shift > 0 then c.shift_run_x else 0 end + i.x,
        case when c.s_shift > 0 then c.shift_run_e else 0 end + i.e,
        case when c.s_shift > 0 then c.shift_run_n else 0 end + i.n,
        case when c.s_shift > 0 then c.shift_run_expected else 0 end
        + i.e * coalesce(i.baseline, 0)
    from cusum as c
    inner join increments as i
        on i.metric = c.metric and i.market = c.market and i.day_number = c.day_number + 1
),

levels as (
    select
        i.*,
        c.* exclude (metric, market, day_number),
        g.h,
        g.h_critical,
        g.h_shift,
        s.alert_method,
        case
            when s.alert_method = 'threshold' then
                not (i.lower_bound and i.sign = -1)
                and i.sign * i.value > i.sign * i.warn_threshold
            else c.s_warn > g.h or c.s_shift > g.h_shift
        end as breach,
        case
            when s.alert_method = 'threshold' then
                not (i.lower_bound and i.sign = -1) and (
                    i.sign * i.value > i.sign * i.critical_threshold
                    -- the interval's near end past warn: the breach is statistically significant
                    or i.sign * (case i.sign when 1 then i.low else i.high end)
                    > i.sign * i.warn_threshold
                )
            else c.s_critical > g.h or c.s_warn > g.h_critical
        end as critical,
        case
            when s.alert_method = 'threshold' then true
            else c.s_warn > g.h or c.s_critical > g.h or c.s_warn > g.h_critical
        end as past_warn,
        not i.unsettled
        and not (i.lower_bound and i.sign = 1)
        and case
            when s.alert_method = 'threshold' then i.sign * i.value < i.sign * i.recovery_threshold
            else
                c.s_warn = 0 and c.s_shift = 0
                and (
                    i.sign * i.value < i.sign * i.recovery_threshold
                    or i.sign * i.value <= i.sign * i.baseline
                )
        end as recovered
    from increments as i
    inner join cusum as c using (metric, market, day_number)
    cross join design as g
    cross join settings as s
),

islands as (
    -- consecutive breaching days share (day_number - their rank among breaching days)
    select
        *,
        case when critical then 'critical' when breach and past_warn then 'warning'
            when breach then 'notice' end as level,
        day_number
        - row_number() over (partition by metric, market, breach order by metric_date)
            as island,
        case when alert_method = 'threshold' then for_days else 1 end as streak_length
    from levels
)

select
    *,
    case when breach then
        row_number() over (partition by metric, market, breach, island order by metric_date)
    end as streak_day,
    case when breach then
        min(case
            when alert_method = 'threshold' then metric_date
            when past_warn or critical then warn_run_from
            else shift_run_from
        end) over (partition by metric, market, breach, island)
    end as streak_start,
    -- the first recovered day after this one: it resolves an alert open on this day
    min(case when recovered then metric_date end) over (
        partition by metric, market order by metric_date
        rows between 1 following and unbounded following
    ) as next_recovery_on
from islands;

create or replace temp table derived_alerts as
with openings as (
    -- a streak reaching its length, unless an earlier one that the same recovery day resolves
    -- has opened the alert already
    select
        metric,
        market,
        streak_start as opened_on,
        metric_date as confirmed_on,
        next_recovery_on as resolved_on
    from judged_days
    where streak_day = streak_length
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
        -- the severity the alert opened with (the level of its confirming day, or worse before)
        case
            when bool_or(critical) filter (where metric_date <= confirmed_on) then 'critical'
            when bool_or(breach and past_warn) filter (where metric_date <= confirmed_on)
                then 'warning'
            else 'notice'
        end as opened_severity,
        coalesce(bool_or(critical) filter (where metric_date <= confirmed_on), false)
            as opened_critical,
        min(metric_date) filter (where critical) as first_critical_on,
        min(metric_date) filter (where breach and past_warn) as first_warning_on,
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
    case
        when first_critical_on is not null then 'critical'
        when first_warning_on is not null then 'warning'
        else 'notice'
    end as severity,
    case when resolved_on is null then 'open' else 'resolved' end as status,
    -- the threshold of its severity; a notice is under warn: its threshold is warn
    case when first_critical_on is not null then critical_threshold else warn_threshold end
        as threshold
from summary;
