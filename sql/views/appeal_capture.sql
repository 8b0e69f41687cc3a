-- appeal_capture: how much of the error QA finds do appeals catch? Per market, among the
-- audited penalties QA judged non-violating (overkill errors), the share overturned on appeal;
-- among the audited no_actions QA judged violating (leakage errors), the same. The
-- appeal-based rates only see errors somebody appealed and won, so they are a lower bound of
-- the error rate; this view says how far below the QA estimate they sit, and why: errors not
-- appealed at all (not_appealed_rate) or appealed and not overturned
-- (appealed_not_overturned_rate).
-- Grain: (market, metric): metric is 'overkill_rate' (penalties) or 'leakage_rate'
-- (no_actions), the appeal-based rate whose capture it measures; one row per market and metric
-- with at least one audited decision in the window.
-- Window: the latest 28 settled days (metric_date from as_of_date - appeal_window_days - 27 to
-- as_of_date - appeal_window_days, warehouse_info): their appeals and audits are in, so a
-- young day does not read as uncaught; 28 days (four of each weekday) give audits enough.
-- Method: audits are a weighted sample (sample_weight), so the shares are weighted, Sum w of
-- QA errors overturned (appealed) / Sum w of QA errors, with the 95% Wilson interval on the
-- Kish effective sample size of the QA errors (macros.sql), as audit_overkill_rate. A decision
-- counts as appealed with any appeal, as overturned with an overturned one (daily_counts).
-- NULL rates: no QA error in the window. Reads decisions, audits, appeals, daily_metrics and
-- warehouse_info.

-- capture_first_day(from_day, to_day), capture_last_day(to_day): the window's days. A NULL
-- to_day is the latest settled day (as_of_date - appeal_window_days), a NULL from_day 27 days
-- before the last day. CASE, not coalesce, for the reason of qa_audits.sql qa_last_day: days
-- given as constants filter the decisions as constants.
create or replace macro capture_last_day(to_day) as
    case
        when to_day is null then (select as_of_date - appeal_window_days from warehouse_info)
        else to_day::date
    end;

create or replace macro capture_first_day(from_day, to_day) as
    case when from_day is null then capture_last_day(to_day) - 27 else from_day::date end;

-- appeal_capture_between(from_day, to_day): appeal_capture over those days (the dashboards bind
-- the default window's days, dashboards/site.py).
create or replace macro appeal_capture_between(from_day, to_day) as table
-- the audited decisions of the window, then the appeals of those decisions only: grouping every
-- stored appeal would read the whole history for a few weeks of audits
with audited_decisions as (
    select
        decisions.decision_id,
        decisions.market,
        decisions.action,
        audits.sample_weight,
        audits.verdict
    from decisions
    inner join audits using (decision_id)
    where decisions.metric_date
        between capture_first_day(from_day, to_day) and capture_last_day(to_day)
),

appeal_outcomes as (
    select
        appeals.decision_id,
        count(*) filter (where appeals.status = 'overturned') > 0 as overturned
    from appeals
    inner join (select distinct decision_id from audited_decisions) as audited_ids
        using (decision_id)
    group by appeals.decision_id
),

audited as (
    select
        audited_decisions.market,
        case audited_decisions.action when 'penalize' then 'overkill_rate' else 'leakage_rate' end
            as metric,
        audited_decisions.sample_weight,
        audited_decisions.verdict = case audited_decisions.action
            when 'penalize' then 'non_violating' else 'violating'
        end as qa_error,
        appeal_outcomes.decision_id is not null as appealed,
        coalesce(appeal_outcomes.overturned, false) as overturned
    from audited_decisions
    left join appeal_outcomes using (decision_id)
),

totals as (
    select
        market,
        metric,
        count(*) as audited,
        count(*) filter (where qa_error) as qa_errors,
        count(*) filter (where qa_error and appealed) as qa_errors_appealed,
        count(*) filter (where qa_error and overturned) as qa_errors_overturned,
        coalesce(sum(sample_weight) filter (where qa_error), 0) as qa_error_weight,
        coalesce(sum(sample_weight) filter (where qa_error and appealed), 0) as appealed_weight,
        coalesce(sum(sample_weight) filter (where qa_error and overturned), 0)
            as overturned_weight,
        kish_n(
            sum(sample_weight) filter (where qa_error),
            sum(sample_weight ^ 2) filter (where qa_error)
        ) as qa_error_n
    from audited
    group by market, metric
),

-- the two estimates over the same window: overturned on appeal, and found by QA audit
rates as (
    select
        daily_metrics.market,
        sum(overturned_penalties) / nullif(sum(penalties), 0) as overkill_rate,
        sum(non_violating_penalty_weight) / nullif(sum(audited_penalty_weight), 0)
            as audit_overkill_rate,
        sum(overturned_no_actions) / nullif(sum(no_actions), 0) as leakage_rate,
        sum(violating_no_action_weight) / nullif(sum(audited_no_action_weight), 0)
            as audit_leakage_rate
    from daily_metrics
    where daily_metrics.metric_date
        between capture_first_day(from_day, to_day) and capture_last_day(to_day)
    group by daily_metrics.market
),

shares as (
    select
        *,
        appealed_weight / nullif(qa_error_weight, 0) as appeal_rate,
        overturned_weight / nullif(qa_error_weight, 0) as capture_rate
    from totals
)

select
    shares.market,
    shares.metric,
    capture_first_day(from_day, to_day) as first_day,
    capture_last_day(to_day) as last_day,
    shares.audited,
    shares.qa_errors,
    shares.qa_errors_appealed,
    shares.qa_errors_overturned,
    shares.qa_error_weight,
    shares.qa_error_n,
    shares.appealed_weight,
    shares.overturned_weight,
    shares.appeal_rate,
    wilson_low(shares.appeal_rate, shares.qa_error_n) as appeal_rate_low,
    wilson_high(shares.appeal_rate, shares.qa_error_n) as appeal_rate_high,
    shares.capture_rate,
    wilson_low(shares.capture_rate, shares.qa_error_n) as capture_rate_low,
    wilson_high(shares.capture_rate, shares.qa_error_n) as capture_rate_high,
    -- where the other errors went: never appealed, or appealed and not overturned (upheld or
    -- pending); with capture_rate they add up to 1
    1 - shares.appeal_rate as not_appealed_rate,
    shares.appeal_rate - shares.capture_rate as appealed_not_overturned_rate,
    case shares.metric when 'overkill_rate' then rates.overkill_rate else rates.leakage_rate end
        as appeal_based_rate,
    case shares.metric
        when 'overkill_rate' then rates.audit_overkill_rate else rates.audit_leakage_rate
    end as audit_based_rate
from shares
left join rates using (market)
order by shares.market, shares.metric;

create or replace view appeal_capture as
select * from appeal_capture_between(null, null);
