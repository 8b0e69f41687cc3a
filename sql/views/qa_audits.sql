-- qa_first_day(from_day, to_day), qa_last_day(to_day): the days the QA feedback views cover. A
-- NULL to_day is the latest metric_date with decisions (read from daily_metrics, which has a row
-- for each: the same day, without reading every stored decision); a NULL from_day is 27 days
-- before the last day (28 days in all). Written as CASE, not coalesce: DuckDB folds a CASE whose
-- test is a constant, so days given as constants (or bound parameters) filter the decisions as
-- constants, which prunes their row groups and lets the join build its hash table on the audits
-- (qa_queues at 50M decisions: 210 MiB of buffers against 739 MiB, docs/benchmarks.md "The QA
-- and appeal-capture windows as constants").
create or replace macro qa_last_day(to_day) as
    case
        when to_day is null then (select max(metric_date) from daily_metrics)
        else to_day::date
    end;

create or replace macro qa_first_day(from_day, to_day) as
    case when from_day is null then qa_last_day(to_day) - 27 else from_day::date end;

-- qa_window(from_day, to_day): those days as one row (first_day, last_day).
create or replace macro qa_window(from_day, to_day) as table
select qa_first_day(from_day, to_day) as first_day, qa_last_day(to_day) as last_day;

-- qa_audits(from_day, to_day): the audited decisions of the qa_window days, one row per decision
-- with its counting audit (audits: only the latest audit of a decision counts) and whether QA
-- judged the decision wrong: a penalty judged non_violating or a no_action judged violating (the
-- numerators of audit_overkill_rate and audit_leakage_rate). Grain: decision_id. Inputs:
-- decisions, audits. queue is 'unspecified' when none was delivered, as in daily_metrics.
create or replace macro qa_audits(from_day, to_day) as table
select
    decisions.market,
    decisions.decision_id,
    decisions.moderator_id,
    coalesce(decisions.queue, 'unspecified') as queue,
    decisions.action,
    decisions.metric_date,
    audits.audit_id,
    audits.verdict,
    audits.sample_weight,
    (decisions.action = 'penalize' and audits.verdict = 'non_violating')
    or (decisions.action = 'no_action' and audits.verdict = 'violating') as qa_error,
    qa_first_day(from_day, to_day) as first_day,
    qa_last_day(to_day) as last_day
from decisions
inner join audits using (decision_id)
where decisions.metric_date between qa_first_day(from_day, to_day) and qa_last_day(to_day);

-- qa_error_rates(from_day, to_day): the weighted QA error rate of each moderator and of each
-- queue per market over the qa_window days, with its 95% Wilson interval on the Kish effective
-- sample size (the audit_* metrics' method, sql/macros.sql), ranked within the market by the
-- interval's lower bound, highest first: a moderator with 3 audits does not top the list on
-- noise. Grain: (breakdown, market, moderator_id | queue); breakdown is 'moderator' (decisions
-- without a moderator_id are left out) or 'queue'.
create or replace macro qa_error_rates(from_day, to_day) as table
with totals as (
    select
        case when grouping(moderator_id) = 0 then 'moderator' else 'queue' end as breakdown,
        market,
        moderator_id,
        queue,
        any_value(first_day) as first_day,
        any_value(last_day) as last_day,
        count(*) as audited_decisions,
        sum(sample_weight) as audited_weight,
        kish_n(sum(sample_weight), sum(sample_weight ^ 2)) as audit_n,
        count(*) filter (where qa_error) as qa_errors,
        coalesce(sum(sample_weight) filter (where qa_error), 0) as qa_error_weight
    from qa_audits(from_day, to_day)
    group by grouping sets ((market, moderator_id), (market, queue))
),

rated as (
    select
        *,
        qa_error_weight / audited_weight as qa_error_rate
    from totals
    where breakdown = 'queue' or moderator_id is not null
)

select
    *,
    wilson_low(qa_error_rate, audit_n) as qa_error_rate_low,
    wilson_high(qa_error_rate, audit_n) as qa_error_rate_high,
    rank() over (
        partition by breakdown, market
        order by wilson_low(qa_error_rate, audit_n) desc, audit_n desc
    ) as qa_error_rank
from rated;
