-- auditor_agreement_between(from_day, to_day): how often two auditors give the same verdict on
-- the same decision, for calibration sessions. Only the latest audit of a decision counts in the
-- metrics (audits); here every audit of a decision audited more than once is compared, from
-- audit_rows, each audit_id as its current version (the first step of macros.sql
-- counting_audits: the latest audited_at, then file, then line).
-- Grain: (market, auditor_a, auditor_b) with auditor_a < auditor_b, one row per pair of auditors
-- who audited a decision in common, plus one row per market with auditor_a and auditor_b NULL
-- that pools all its pairs. Decisions of the qa_window days (default the latest 28 days of
-- decisions); audits without an auditor_id and two audits by one auditor are not compared.
-- Method: Cohen's kappa (Cohen 1960) on the 2 x 2 table of verdicts, auditor_a as rater 1 (the
-- market row: the lower auditor id of each pair): kappa = (p_o - p_e) / (1 - p_e), p_o the share
-- of agreeing pairs, p_e = v_a v_b + (1 - v_a)(1 - v_b) with v the share each rater called
-- violating. Unweighted: agreement is about the auditors, not the population. NULL when p_e = 1
-- (both raters gave one verdict only: kappa is undefined).
create or replace macro auditor_agreement_between(from_day, to_day) as table
with current_audits as (
    select decision_id, audit_id, auditor_id, verdict
    from audit_rows
    where not is_duplicate
    qualify row_number() over (
        partition by audit_id order by audited_at desc, file_id desc, line_number desc
    ) = 1
),

audited as (
    select
        decisions.market,
        current_audits.decision_id,
        current_audits.auditor_id,
        current_audits.verdict,
        qa_window.first_day,
        qa_window.last_day
    from current_audits
    inner join decisions using (decision_id)
    cross join qa_window(from_day, to_day) as qa_window
    where decisions.metric_date between qa_window.first_day and qa_window.last_day
        and current_audits.auditor_id is not null
),

pairs as (
    select
        a.market,
        a.decision_id,
        a.auditor_id as auditor_a,
        b.auditor_id as auditor_b,
        a.verdict = 'violating' as a_violating,
        b.verdict = 'violating' as b_violating,
        a.first_day,
        a.last_day
    from audited as a
    inner join audited as b
        on a.decision_id = b.decision_id
        and a.auditor_id < b.auditor_id
),

totals as (
    select
        market,
        auditor_a,
        auditor_b,
        any_value(first_day) as first_day,
        any_value(last_day) as last_day,
        count(distinct decision_id) as decisions,
        count(*) as compared_audits,
        count(*) filter (where a_violating = b_violating) as agreements,
        avg(a_violating::int) as a_violating_share,
        avg(b_violating::int) as b_violating_share
    from pairs
    group by grouping sets ((market, auditor_a, auditor_b), (market))
),

rates as (
    select
        *,
        agreements / compared_audits as agreement_rate,
        a_violating_share * b_violating_share
        + (1 - a_violating_share) * (1 - b_violating_share) as expected_agreement
    from totals
)

select
    market,
    auditor_a,
    auditor_b,
    first_day,
    last_day,
    decisions,
    compared_audits,
    agreements,
    agreement_rate,
    a_violating_share,
    b_violating_share,
    expected_agreement,
    (agreement_rate - expected_agreement) / nullif(1 - expected_agreement, 0) as cohens_kappa
from rates
order by market, auditor_a nulls first, auditor_b nulls first;

-- auditor_agreement: auditor_agreement_between over the latest 28 days of decisions.
create or replace view auditor_agreement as
select * from auditor_agreement_between(null, null);
