-- overturn_nowcast_breakdowns: the projected final overkill (action penalize) and leakage
-- (no_action) rate of every day of every breakdown segment of metric_breakdowns (by policy, by
-- source, by object type, by policy x queue), with a 95% interval. Grain: (metric_date, market,
-- breakdown, policy, queue, source, object_type, action); the columns a breakdown does not split
-- by are NULL, as in metric_breakdowns. The market totals are overturn_nowcast's.
--
-- Method: views/overturn_nowcast.sql's Bornhuetter-Ferguson (BF) on a chain-ladder pattern, the
-- same formulas and the same history (the segment's most recent HISTORY_DAYS settled days with
-- n > 0, only overturns with development_age <= as_of_date - metric_date counted), with the
-- segment as the cohort:
--   pattern c(A): the segment's own, from its history, when that history holds at least
--     MIN_PATTERN_OVERTURNS final overturns (pattern = 'segment'); else the market x action
--     pattern, overturn_nowcast's completeness of the same day (pattern = 'market'). A lag
--     pattern from a few dozen overturns is noise: a segment's lag differs little from its
--     market's, its rate a lot.
--   r and phi: always the segment's own (its recent settled rate and dispersion): the market's
--     rate would project every policy to the market's level.
-- Settled days (age >= appeal_window_days): projected = observed (overturns known / n) with
-- its Wilson interval, completeness 1, pattern NULL. Days after as_of_date (age < 0) have no
-- row: their decisions were not known as of then.
-- NULL projection on a young day, the reason in no_projection_reason:
--   'too few settled days': fewer than MIN_COHORTS settled days with n > 0 in the segment's
--     history (r and phi cannot be estimated);
--   'no overturn in the history': the segment's history has no overturn (r = 0 would say the
--     segment never errs, which its few days cannot show);
--   'no market pattern': the segment's own pattern is too thin and its market has no
--     projection either (overturn_nowcast's reasons).
-- Chain ladder is also NULL while c(A) = 0. No factor is ever made up: every c, r and phi comes
-- from the warehouse's own settled days. Pending appeals are overturns not known yet: the
-- development pattern covers them (as at the market grain).
create or replace view overturn_nowcast_breakdowns as
with settings as (
    select
        as_of_date,
        appeal_window_days,
        56 as history_days,             -- HISTORY_DAYS, as overturn_nowcast
        28 as min_cohorts,              -- MIN_COHORTS, as overturn_nowcast
        100 as min_pattern_overturns    -- MIN_PATTERN_OVERTURNS
    from warehouse_info
),

segment_days as (
    select
        metric_date,
        market,
        case
            when grouping(policy, queue) = 0 then 'policy_queue'
            when grouping(policy) = 0 then 'policy'
            when grouping(source) = 0 then 'source'
            else 'object_type'
        end as breakdown,
        policy,
        queue,
        source,
        object_type,
        sum(penalties) as penalties,
        sum(no_actions) as no_actions
    from daily_metrics
    group by grouping sets (
        (metric_date, market, policy),
        (metric_date, market, source),
        (metric_date, market, object_type),
        (metric_date, market, policy, queue)
    )
),

cohorts as (
    select
        segment_days.* exclude (penalties, no_actions),
        actions.action,
        case when actions.action = 'penalize' then penalties else no_actions end as n
    from segment_days
    cross join (select 'penalize' as action union all select 'no_action' as action) as actions
),

-- overturns by segment-day, action and development age
lags as (
    select
        metric_date,
        market,
        case
            when grouping(policy, queue) = 0 then 'policy_queue'
            when grouping(policy) = 0 then 'policy'
            when grouping(source) = 0 then 'source'
            else 'object_type'
        end as breakdown,
        policy,
        queue,
        source,
        object_type,
        action,
        development_age,
        sum(overturns) as overturns
    from overturn_development
    group by grouping sets (
        (metric_date, market, action, development_age, policy),
        (metric_date, market, action, development_age, source),
        (metric_date, market, action, development_age, object_type),
        (metric_date, market, action, development_age, policy, queue)
    )
),

aged as (
    select
        cohorts.*,
        datediff('day', cohorts.metric_date, settings.as_of_date) as age,
        settings.appeal_window_days,
        settings.history_days,
        settings.min_cohorts,
        settings.min_pattern_overturns
    from cohorts
    cross join settings
),

-- the overturns known as of as_of_date
known as (
    select
        aged.*,
        coalesce(sum(lags.overturns), 0) as x,
        aged.age >= aged.appeal_window_days
            and aged.age < aged.appeal_window_days + aged.history_days
            and aged.n > 0 as in_history
    from aged
    left join lags
        on lags.metric_date = aged.metric_date
        and lags.market = aged.market
        and lags.breakdown = aged.breakdown
        and lags.policy is not distinct from aged.policy
        and lags.queue is not distinct from aged.queue
        and lags.source is not distinct from aged.source
        and lags.object_type is not distinct from aged.object_type
        and lags.action = aged.action
        and lags.development_age <= aged.age
    group by all
),

history as (
    select
        market, breakdown, policy, queue, source, object_type, action,
        count(*) as cohorts,
        sum(n) as n,
        sum(x) as final,
        sum(x) / sum(n) as rate
    from known
    where in_history
    group by all
),

dispersion as (
    select
        known.market, known.breakdown, known.policy, known.queue, known.source,
        known.object_type, known.action,
        greatest(
            1.0,
            sum((known.x - known.n * history.rate) ^ 2
                / (known.n * history.rate * (1 - history.rate)))
            / nullif(any_value(history.cohorts) - 1, 0)
        ) as phi
    from known
    inner join history
        on history.market = known.market
        and history.breakdown = known.breakdown
        and history.policy is not distinct from known.policy
        and history.queue is not distinct from known.queue
        and history.source is not distinct from known.source
        and history.object_type is not distinct from known.object_type
        and history.action = known.action
    where known.in_history and history.rate > 0 and history.rate < 1
    group by all
),

-- the history's overturns by development age (all known: a history day is older than any
-- young age A)
history_lags as (
    select
        known.market, known.breakdown, known.policy, known.queue, known.source,
        known.object_type, known.action, lags.development_age,
        sum(lags.overturns) as overturns
    from known
    inner join lags
        on lags.metric_date = known.metric_date
        and lags.market = known.market
        and lags.breakdown = known.breakdown
        and lags.policy is not distinct from known.policy
        and lags.queue is not distinct from known.queue
        and lags.source is not distinct from known.source
        and lags.object_type is not distinct from known.object_type
        and lags.action = known.action
        and lags.development_age <= known.age
    where known.in_history
    group by all
),

young as (
    select
        known.*,
        history.cohorts as history_cohorts,
        history.n as history_n,
        history.final as history_final,
        history.rate as history_rate,
        coalesce(dispersion.phi, 1.0) as phi,  -- no dispersion row when r is 0 or 1: phi = 1
        history.final >= known.min_pattern_overturns as own_pattern
    from known
    left join history
        on history.market = known.market
        and history.breakdown = known.breakdown
        and history.policy is not distinct from known.policy
        and history.queue is not distinct from known.queue
        and history.source is not distinct from known.source
        and history.object_type is not distinct from known.object_type
        and history.action = known.action
    left join dispersion
        on dispersion.market = known.market
        and dispersion.breakdown = known.breakdown
        and dispersion.policy is not distinct from known.policy
        and dispersion.queue is not distinct from known.queue
        and dispersion.source is not distinct from known.source
        and dispersion.object_type is not distinct from known.object_type
        and dispersion.action = known.action
    -- young: 0 <= age < appeal_window_days (a day after as_of_date was not known then)
    where known.age >= 0 and known.age < known.appeal_window_days and known.n > 0
),

-- c(A): the segment's own pattern where it is thick enough, else its market's
completeness as (
    select
        young.metric_date, young.market, young.breakdown, young.policy, young.queue,
        young.source, young.object_type, young.action,
        case
            when young.history_cohorts < young.min_cohorts then 'too few settled days'
            when young.history_final = 0 then 'no overturn in the history'
            when young.history_cohorts is null then 'too few settled days'
            when not young.own_pattern and any_value(market.completeness) is null
                then 'no market pattern'
        end as no_projection_reason,
        case
            when young.own_pattern
                then coalesce(sum(history_lags.overturns), 0) / young.history_final
            else any_value(market.completeness)
        end as c,
        case when young.own_pattern then 'segment' else 'market' end as pattern
    from young
    left join history_lags
        on young.own_pattern
        and history_lags.market = young.market
        and history_lags.breakdown = young.breakdown
        and history_lags.policy is not distinct from young.policy
        and history_lags.queue is not distinct from young.queue
        and history_lags.source is not distinct from young.source
        and history_lags.object_type is not distinct from young.object_type
        and history_lags.action = young.action
        and history_lags.development_age <= young.age
    left join overturn_nowcast as market
        on market.metric_date = young.metric_date
        and market.market = young.market
        and market.action = young.action
    group by
        young.metric_date, young.market, young.breakdown, young.policy, young.queue,
        young.source, young.object_type, young.action, young.history_cohorts,
        young.history_final, young.min_cohorts, young.own_pattern
),

projected as (
    select
        young.*,
        completeness.no_projection_reason,
        case when completeness.no_projection_reason is null then completeness.pattern end
            as pattern,
        case when completeness.no_projection_reason is null then completeness.c end as c
    from young
    inner join completeness
        on completeness.metric_date = young.metric_date
        and completeness.market = young.market
        and completeness.breakdown = young.breakdown
        and completeness.policy is not distinct from young.policy
        and completeness.queue is not distinct from young.queue
        and completeness.source is not distinct from young.source
        and completeness.object_type is not distinct from young.object_type
        and completeness.action = young.action
),

variances as (
    select
        *,
        x / nullif(c, 0) as y_chain_ladder,
        x + (1 - c) * n * history_rate as y_bf,
        phi * n * history_rate * (1 - c) / nullif(c, 0) as var_chain_ladder,
        (1 - c) * n * history_rate
            + (1 - c) ^ 2 * (
                (phi - 1) * n * history_rate * (1 - history_rate)
                + n * n * phi * history_rate * (1 - history_rate) / history_n
            ) as var_bf
    from projected
),

provisional_days as (
    select
        metric_date, market, breakdown, policy, queue, source, object_type, action,
        true as provisional,
        age,
        n,
        x as overturns_known,
        c as completeness,
        case when c is not null then phi end as phi,
        case when c is not null then history_rate end as history_rate,
        pattern,
        no_projection_reason,
        y_chain_ladder / n as rate_chain_ladder,
        -- greatest and least skip a NULL: no bound without a projection
        case when y_chain_ladder is not null then greatest(
            x / n, y_chain_ladder / n - 1.959963984540054 * sqrt(var_chain_ladder) / n
        ) end as rate_chain_ladder_low,
        case when y_chain_ladder is not null then least(
            1.0, y_chain_ladder / n + 1.959963984540054 * sqrt(var_chain_ladder) / n
        ) end as rate_chain_ladder_high,
        y_bf / n as rate_bf,
        case when y_bf is not null then greatest(
            x / n, y_bf / n - 1.959963984540054 * sqrt(var_bf) / n
        ) end as rate_bf_low,
        case when y_bf is not null then least(
            1.0, y_bf / n + 1.959963984540054 * sqrt(var_bf) / n
        ) end as rate_bf_high
    from variances
),

-- settled days: the observed rate and its Wilson interval (macros.sql), as market_daily_metrics
settled_days as (
    select
        metric_date, market, breakdown, policy, queue, source, object_type, action,
        false as provisional,
        age,
        n,
        x as overturns_known,
        1.0 as completeness,
        null::double as phi,
        null::double as history_rate,
        null::varchar as pattern,
        null::varchar as no_projection_reason,
        x / n as rate_chain_ladder,
        wilson_low(x / n, n) as rate_chain_ladder_low,
        wilson_high(x / n, n) as rate_chain_ladder_high,
        x / n as rate_bf,
        wilson_low(x / n, n) as rate_bf_low,
        wilson_high(x / n, n) as rate_bf_high
    from known
    where age >= appeal_window_days and n > 0
)

select * from provisional_days
union all
select * from settled_days;
