-- audit_completeness: the expected share of a young market-day's final QA audits already in,
-- for the days whose audits are still arriving (audit_provisional). Grain: (metric_date,
-- market), one row per market-day aged 0 .. audit_window_days - 1 as of warehouse_info's
-- as_of_date, when the market has enough history.
--
-- Method: the chain-ladder completeness of the audit lag, as views/overturn_nowcast.sql does
-- for overturns (Mack 1993). A cohort is a market-day's audited decisions; its development age
-- is the days from metric_date to the day the audit arrived (audit_development). Only audits
-- with development_age <= as_of_date - metric_date count: an audit that arrives after as_of
-- was not in yet.
--   history: the market's days aged audit_window_days .. audit_window_days + HISTORY_DAYS - 1
--     (the most recent HISTORY_DAYS audit-settled days) with at least one audit.
--   c(a) = sum over history of audits in by age a / sum of the history's audits.
-- A young day of age A gets c(A) (0 for a day after as_of_date). The audit rates are ratios
-- among audited decisions, so they are not projected: c says how far the day's audits still
-- have to come, and metric_breakdowns turns it into audit_completeness.
-- NULL (no row): fewer than MIN_COHORTS history days with audits. Assumes the audit lag pattern
-- of the last HISTORY_DAYS settled days holds for the young days.
create or replace view audit_completeness as
with settings as (
    select
        as_of_date,
        audit_window_days,
        56 as history_days,  -- HISTORY_DAYS
        28 as min_cohorts    -- MIN_COHORTS
    from warehouse_info
),

-- the audits of each market-day by development age
lags as (
    select metric_date, market, development_age, sum(audits) as audits
    from audit_development
    group by metric_date, market, development_age
),

aged as (
    select
        days.metric_date,
        days.market,
        datediff('day', days.metric_date, settings.as_of_date) as age,
        settings.audit_window_days,
        settings.history_days,
        settings.min_cohorts
    from (select distinct metric_date, market from daily_metrics) as days
    cross join settings
),

-- the history days, with the audits in as of as_of_date
history as (
    select aged.metric_date, aged.market, sum(lags.audits) as audits
    from aged
    inner join lags
        on lags.metric_date = aged.metric_date
        and lags.market = aged.market
        and lags.development_age <= aged.age
    where aged.age >= aged.audit_window_days
        and aged.age < aged.audit_window_days + aged.history_days
    group by aged.metric_date, aged.market
),

history_totals as (
    select market, count(*) as cohorts, sum(audits) as audits
    from history
    group by market
)

select
    aged.metric_date,
    aged.market,
    aged.age,
    coalesce(sum(lags.audits), 0) / max(history_totals.audits) as completeness
from aged
inner join history_totals on history_totals.market = aged.market
left join history on history.market = aged.market
left join lags
    on lags.metric_date = history.metric_date
    and lags.market = history.market
    and lags.development_age <= aged.age
where aged.age < aged.audit_window_days
    and history_totals.cohorts >= aged.min_cohorts
group by aged.metric_date, aged.market, aged.age;
