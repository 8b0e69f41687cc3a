-- overturn_nowcast: the projected final overkill (action penalize) and leakage (no_action) rate
-- of every market-day, with a 95% interval. Grain: (metric_date, market, action).
--
-- Method: Bornhuetter-Ferguson (BF) on a chain-ladder development pattern (Mack, "Measuring the
-- variability of chain ladder reserve estimates", 1993; Bornhuetter & Ferguson, "The actuary and
-- IBNR", 1972). A cohort is a market-day's decisions of one action; its development age a is
-- the days from metric_date to the day an overturn became known (overturn_development). As of
-- the run's as_of_date (warehouse_info) a cohort aged >= appeal_window_days is settled (the rule
-- of `provisional`); only overturns with development_age <= as_of_date - metric_date count.
--   history: the market's settled cohorts aged appeal_window_days .. appeal_window_days +
--     HISTORY_DAYS - 1 (the most recent HISTORY_DAYS settled days) with n > 0; final = what they
--     know as of as_of_date.
--   c(a) = sum over history of overturns known by age a / sum of final overturns (completeness,
--     the chain-ladder pattern: the product of its age-to-age factors, inverted), over the
--     history's cohorts of the young cohort's weekday (7, 14, ... days older) when they hold at
--     least MIN_WEEKDAY_OVERTURNS final overturns (pattern = 'weekday'), else over the whole
--     history (pattern = 'all days'). Appeals are resolved on workdays: how much of a cohort is
--     known by age a depends on the weekdays its a days span, so the pooled pattern reads the
--     young days of a Sunday too complete and of a weekday too little (on the backtest the
--     7-day sum was 17% low as of a Sunday); every young day of an as-of date shares that error,
--     which adds up over days. Below the threshold the weekday's few cohorts are noise.
--   r = sum of final overturns / sum of n over history (the recent settled rate).
--   phi = max(1, Pearson chi2 / (k - 1)) of the history's final rates against r (dispersion:
--     the extra-binomial day-to-day variation).
-- A young cohort (age A < appeal_window_days) with n decisions and X overturns known:
--   chain ladder   Y = X / c(A),                 var = phi n r (1 - c) / c
--   BF (chosen)    Y = X + (1 - c(A)) n r,       var = (1 - c) n r
--                                                      + (1 - c)^2 ((phi - 1) n r (1 - r)
--                                                                   + n^2 phi r (1 - r) / N)
-- where N = the history's n: the binomial noise of the overturns to come, the day's own
-- deviation from r (phi), and the error of r itself. The rate is Y / n with the normal interval
-- Y / n +- 1.96 sqrt(var) / n, cut to [X / n, 1] (what is known can only grow).
-- For sums over days (the 7-day KPI tiles) the view also gives Y, var and shared_sd = (1 - c) n
-- sqrt(phi r (1 - r) / N), the part of the deviation due to the error of r: every young day of
-- the market and action shares it, so over days var = sum(var - shared_sd^2) + (sum shared_sd)^2.
-- BF is chosen: on the backtest (benchmarks/nowcast_backtest.py, docs/benchmarks.md) it meets the
-- targets at ages 5-14 where chain ladder's X / c amplifies the noise of few early overturns. It
-- shrinks a young day toward r by the share 1 - c still to come: a real shift shows fully only as
-- the day completes (the chain-ladder columns are here to compare).
-- Pending appeals are overturns not known yet: the development pattern covers them.
-- NULL (too little history): fewer than MIN_COHORTS settled cohorts in the history, or no
-- overturn in them; chain ladder is also NULL while c(A) = 0. Assumes the lag pattern of the
-- last HISTORY_DAYS settled days (of the weekday) holds for the young days, and ignores the
-- error of c itself.
-- As of as_of_date: every input is what was known then. Overturns count only up to the day's
-- age (development_age <= age, in the young days, the history's finals and c alike); n is the
-- day's decisions, all decided by then (as-of is event time: a file delivered late still
-- counts, as for every count); a day after as_of_date is not projected. Pending appeals and
-- audits are not inputs.
-- Settled days are not projected here: market_daily_metrics shows their observed rate; nor are
-- days after as_of_date (age < 0: their decisions were not known as of then).
create or replace view overturn_nowcast as
with settings as (
    select
        as_of_date,
        appeal_window_days,
        56 as history_days,            -- HISTORY_DAYS
        28 as min_cohorts,             -- MIN_COHORTS
        100 as min_weekday_overturns   -- MIN_WEEKDAY_OVERTURNS
    from warehouse_info
),

cohorts as (
    select
        daily_metrics.metric_date,
        daily_metrics.market,
        actions.action,
        sum(case when actions.action = 'penalize' then penalties else no_actions end) as n
    from daily_metrics
    cross join (select 'penalize' as action union all select 'no_action' as action) as actions
    group by daily_metrics.metric_date, daily_metrics.market, actions.action
),

aged as (
    select
        cohorts.*,
        datediff('day', cohorts.metric_date, settings.as_of_date) as age,
        settings.appeal_window_days,
        settings.history_days,
        settings.min_cohorts,
        settings.min_weekday_overturns
    from cohorts
    cross join settings
),

-- the overturns known as of as_of_date, by cohort and age
development as (
    select
        aged.metric_date,
        aged.market,
        aged.action,
        overturn_development.development_age,
        sum(overturn_development.overturns) as overturns
    from overturn_development
    inner join aged
        on overturn_development.metric_date = aged.metric_date
        and overturn_development.market = aged.market
        and overturn_development.action = aged.action
    where overturn_development.development_age <= aged.age
    group by aged.metric_date, aged.market, aged.action, overturn_development.development_age
),

known as (
    select
        aged.*,
        coalesce(sum(development.overturns), 0) as x,
        aged.age >= aged.appeal_window_days
            and aged.age < aged.appeal_window_days + aged.history_days
            and aged.n > 0 as in_history
    from aged
    left join development
        on development.metric_date = aged.metric_date
        and development.market = aged.market
        and development.action = aged.action
    group by
        aged.metric_date, aged.market, aged.action, aged.n, aged.age, aged.appeal_window_days,
        aged.history_days, aged.min_cohorts, aged.min_weekday_overturns
),

history as (
    select
        market,
        action,
        count(*) as cohorts,
        sum(n) as n,
        sum(x) as final,
        sum(x) / sum(n) as rate
    from known
    where in_history
    group by market, action
),

dispersion as (
    select
        known.market,
        known.action,
        greatest(
            1.0,
            sum((known.x - known.n * history.rate) ^ 2
                / (known.n * history.rate * (1 - history.rate)))
            / nullif(history.cohorts - 1, 0)
        ) as phi
    from known
    inner join history using (market, action)
    where known.in_history and history.rate > 0 and history.rate < 1
    group by known.market, known.action, history.cohorts
),

-- the final overturns of the history's cohorts of each young cohort's weekday (a multiple of 7
-- days older: at age A they had come to the same weekday as the young cohort has now)
weekday_history as (
    select
        known.metric_date,
        known.market,
        known.action,
        sum(settled.x) as final
    from known
    inner join known as settled
        on settled.market = known.market
        and settled.action = known.action
        and settled.in_history
        and datediff('day', settled.metric_date, known.metric_date) % 7 = 0
    where known.age >= 0 and known.age < known.appeal_window_days
    group by known.metric_date, known.market, known.action
),

-- c(A): the share of the history's final overturns known by the young cohort's age A, from the
-- history's cohorts of its weekday when they hold MIN_WEEKDAY_OVERTURNS final overturns (how
-- much is known by age A depends on the weekdays those A days span: appeals resolved on
-- workdays), else from the whole history
completeness as (
    select
        known.metric_date,
        known.market,
        known.action,
        coalesce(any_value(weekday_history.final), 0) >= any_value(known.min_weekday_overturns)
            as by_weekday,
        coalesce(sum(development.overturns), 0) / max(history.final) as all_days,
        coalesce(sum(
            case
                when datediff('day', settled.metric_date, known.metric_date) % 7 = 0
                    then development.overturns
            end
        ), 0) / any_value(weekday_history.final) as weekday
    from known
    inner join history using (market, action)
    left join weekday_history using (metric_date, market, action)
    left join known as settled
        on settled.market = known.market
        and settled.action = known.action
        and settled.in_history
    left join development
        on development.metric_date = settled.metric_date
        and development.market = settled.market
        and development.action = settled.action
        and development.development_age <= known.age
    -- young: 0 <= age < appeal_window_days; a day after as_of_date (a replay with an earlier
    -- as_of) was not known then and is not projected
    where known.age >= 0
        and known.age < known.appeal_window_days
        and history.cohorts >= known.min_cohorts
        and history.final > 0
    group by known.metric_date, known.market, known.action
),

projected as (
    select
        known.metric_date,
        known.market,
        known.action,
        known.age,
        known.n,
        known.x,
        history.rate as history_rate,
        history.n as history_n,
        coalesce(dispersion.phi, 1.0) as phi,
        completeness.completeness as c,
        completeness.pattern,
        known.x / nullif(completeness.completeness, 0) as y_chain_ladder,
        known.x + (1 - completeness.completeness) * known.n * history.rate as y_bf,
        coalesce(dispersion.phi, 1.0) * known.n * history.rate * (1 - completeness.completeness)
            / nullif(completeness.completeness, 0) as var_chain_ladder,
        -- var_bf = var_own + shared_sd^2: the day's own part (the overturns to come, its
        -- deviation from r) and the error of r, which every young day of the market shares
        (1 - completeness.completeness) * known.n * history.rate
            + (1 - completeness.completeness) ^ 2
                * (coalesce(dispersion.phi, 1.0) - 1) * known.n * history.rate * (1 - history.rate)
            as var_own,
        (1 - completeness.completeness) * known.n
            * sqrt(coalesce(dispersion.phi, 1.0) * history.rate * (1 - history.rate) / history.n)
            as shared_sd
    from known
    inner join (
        select
            metric_date,
            market,
            action,
            case when by_weekday then 'weekday' else 'all days' end as pattern,
            case when by_weekday then weekday else all_days end as completeness
        from completeness
    ) as completeness using (metric_date, market, action)
    inner join history using (market, action)
    left join dispersion using (market, action)  -- no row when r is 0 or 1: phi = 1
    where known.n > 0
)

select
    metric_date,
    market,
    action,
    age,
    n,
    x as overturns_known,
    c as completeness,
    pattern,
    phi,
    history_rate,
    y_chain_ladder / n as rate_chain_ladder,
    -- greatest and least skip a NULL: no bound while c(A) = 0
    case when y_chain_ladder is not null then greatest(
        x / n, y_chain_ladder / n - 1.959963984540054 * sqrt(var_chain_ladder) / n
    ) end as rate_chain_ladder_low,
    case when y_chain_ladder is not null then least(
        1.0, y_chain_ladder / n + 1.959963984540054 * sqrt(var_chain_ladder) / n
    ) end as rate_chain_ladder_high,
    y_bf / n as rate_bf,
    greatest(x / n, y_bf / n - 1.959963984540054 * sqrt(var_bf) / n) as rate_bf_low,
    least(1.0, y_bf / n + 1.959963984540054 * sqrt(var_bf) / n) as rate_bf_high,
    -- what a sum over days needs (market_kpis): Y, its variance, and the part of its standard
    -- deviation shared with the market's other young days, which adds up linearly
    y_bf as overturns_projected,
    var_bf as overturns_projected_variance,
    shared_sd as overturns_projected_shared_sd
from (select *, var_own + shared_sd ^ 2 as var_bf from projected);
