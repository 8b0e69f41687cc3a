-- Macros shared by the metric views; analysts can call them in ad hoc SQL too.
-- clean_text: the value without surrounding spaces, NULL when nothing is left (an empty CSV
-- field is NULL). Spaces only, as the landing contract says: trim() with a character set costs
-- three times as much on every value of every row.
create or replace macro clean_text(x) as
    nullif(trim(x), '');

-- Wilson score interval for a proportion p observed on n trials, 95% (z = 1.959963984540054).
-- n may be fractional (Kish effective sample size for weighted audits). NULL when n is 0.
-- The bounds are exactly 0 at p = 0 and exactly 1 at p = 1 (the formula gives them up to rounding).
-- n is cast to double before it is multiplied: 4 * n * n of an INTEGER n overflows from n = 23171
-- (of a BIGINT n from about 1.5e9); the double products are the same numbers, rounded once.
create or replace macro wilson_low(p, n) as
    case
        when n is null or n <= 0 or p is null then null
        when p <= 0 then 0.0
        else greatest(0.0,
            (p + 1.959963984540054 ^ 2 / (2 * cast(n as double))
             - 1.959963984540054
                 * sqrt(p * (1 - p) / n
                        + 1.959963984540054 ^ 2 / (4 * cast(n as double) * cast(n as double))))
            / (1 + 1.959963984540054 ^ 2 / n))
    end;

create or replace macro wilson_high(p, n) as
    case
        when n is null or n <= 0 or p is null then null
        when p >= 1 then 1.0
        else least(1.0,
            (p + 1.959963984540054 ^ 2 / (2 * cast(n as double))
             + 1.959963984540054
                 * sqrt(p * (1 - p) / n
                        + 1.959963984540054 ^ 2 / (4 * cast(n as double) * cast(n as double))))
            / (1 + 1.959963984540054 ^ 2 / n))
    end;

-- Kish effective sample size of a weighted sample: (sum w)^2 / sum(w^2). Cast to double, as n
-- above: an INTEGER sum_w overflows sum_w * sum_w from 46341.
create or replace macro kish_n(sum_w, sum_w2) as
    case when sum_w2 > 0 then cast(sum_w as double) * cast(sum_w as double) / sum_w2 end;

-- stale_decisions: the decisions of `decided` (the view decisions) on the days of `stale`
-- (stale_metric_days), each with its segment (queue 'unspecified' when none was delivered) and
-- action: the cohort of metrics/day_decisions.sql, which the stale days' counts read.
create or replace macro stale_decisions(decided, stale) as table
select
    decision_id, metric_date, market, policy, source, object_type,
    coalesce(queue, 'unspecified') as queue,
    action
from query_table(decided)
where metric_date in (select metric_date from query_table(stale));

-- market_day: the day of timestamp ts in the market's own time zone, the one rule that turns a
-- moment into a metric day (a decision's metric_date, the day an overturn became known). The
-- zones are the variable market_timezones, a MAP market -> IANA zone ([markets.<market>]
-- timezone, else reporting_timezone): a decision at 01:30 UTC is on the day before in São Paulo.
create or replace macro market_day(market, ts) as
    (ts at time zone getvariable('market_timezones')[market])::date;

-- decision_outcomes: what each decision of `cohort` (rows of stale_decisions) counts for, one row
-- per decision: its appeals' outcome (`appealed`, `overturned`, `pending` appeals; appeals and
-- audits count on their decision's metric_date), its counting audit (`audited`, `verdict`,
-- `sample_weight`; `audited` holds one per decision) and the development ages of the nowcast's
-- and the audit completeness's lag data: days from metric_date to the day the first overturn
-- became known (the earliest resolved_at of an overturned appeal) and to the day the audit
-- arrived, as dates in the market's time zone (market_day). The one definition of a decision's
-- counts: outcome_counts, overturn_ages and audit_ages sum these rows, for the stale days
-- (metrics/daily_counts.sql, both engines) and for the decisions a run changed
-- (metrics/restated_decisions.sql, which subtracts what they counted before).
create or replace macro decision_outcomes(cohort, appealed, audited) as table
with appeal_outcomes as (
    select
        decision_id,
        count(*) as appeals,
        count(*) filter (where status = 'overturned') as overturned,
        count(*) filter (where status = 'pending') as pending,
        min(resolved_at) filter (where status = 'overturned') as overturn_known_at
    from query_table(appealed)
    where decision_id in (select decision_id from query_table(cohort))
    group by decision_id
),

cohort_audits as (
    select decision_id, verdict, sample_weight, audited_at
    from query_table(audited)
    where decision_id in (select decision_id from query_table(cohort))
)

select
    cohort.decision_id,
    cohort.metric_date,
    cohort.market,
    cohort.policy,
    cohort.source,
    cohort.object_type,
    cohort.queue,
    cohort.action,
    coalesce(appeal_outcomes.appeals, 0) > 0 as appealed,
    coalesce(appeal_outcomes.overturned, 0) > 0 as overturned,
    coalesce(appeal_outcomes.pending, 0) as pending,
    datediff(
        'day', cohort.metric_date, market_day(cohort.market, appeal_outcomes.overturn_known_at)
    ) as overturn_age,
    cohort_audits.decision_id is not null as audited,
    cohort_audits.verdict,
    cohort_audits.sample_weight,
    datediff(
        'day', cohort.metric_date, market_day(cohort.market, cohort_audits.audited_at)
    ) as audit_age
from query_table(cohort) as cohort
left join appeal_outcomes on appeal_outcomes.decision_id = cohort.decision_id
left join cohort_audits on cohort_audits.decision_id = cohort.decision_id;

-- outcome_counts: the additive counts of daily_metrics, summed over rows of decision_outcomes.
-- Grain: (metric_date, market, policy, source, object_type, queue).
create or replace macro outcome_counts(outcomes) as table
select
    metric_date,
    market,
    policy,
    source,
    object_type,
    queue,
    count(*) as decisions,
    count(*) filter (where action = 'penalize') as penalties,
    count(*) filter (where action = 'no_action') as no_actions,
    count(*) filter (where action = 'penalize' and appealed) as appealed_penalties,
    count(*) filter (where action = 'penalize' and overturned) as overturned_penalties,
    count(*) filter (where action = 'no_action' and appealed) as appealed_no_actions,
    count(*) filter (where action = 'no_action' and overturned) as overturned_no_actions,
    sum(pending) as pending_appeals,
    count(*) filter (where action = 'penalize' and audited) as audited_penalties,
    count(*) filter (where action = 'no_action' and audited) as audited_no_actions,
    coalesce(sum(sample_weight) filter (where action = 'penalize'), 0)
        as audited_penalty_weight,
    coalesce(sum(sample_weight ^ 2) filter (where action = 'penalize'), 0)
        as audited_penalty_weight_sq,
    coalesce(sum(sample_weight) filter (where action = 'penalize' and verdict = 'non_violating'), 0)
        as non_violating_penalty_weight,
    coalesce(sum(sample_weight) filter (where action = 'no_action'), 0)
        as audited_no_action_weight,
    coalesce(sum(sample_weight ^ 2) filter (where action = 'no_action'), 0)
        as audited_no_action_weight_sq,
    coalesce(sum(sample_weight) filter (where action = 'no_action' and verdict = 'violating'), 0)
        as violating_no_action_weight
from query_table(outcomes)
group by metric_date, market, policy, source, object_type, queue;

-- overturn_ages: overturn_development's rows from rows of decision_outcomes: the overturned
-- decisions by development age. Grain: (metric_date, market, policy, source, object_type, queue,
-- action, development_age). Summed over the ages: outcome_counts' overturned_* counts.
create or replace macro overturn_ages(outcomes) as table
select
    metric_date, market, policy, source, object_type, queue, action,
    overturn_age as development_age,
    count(*) as overturns
from query_table(outcomes)
where overturned
group by metric_date, market, policy, source, object_type, queue, action, overturn_age;

-- audit_ages: audit_development's rows from rows of decision_outcomes: the audited decisions by
-- development age (same grain). Summed over the ages: outcome_counts' audited_* counts.
create or replace macro audit_ages(outcomes) as table
select
    metric_date, market, policy, source, object_type, queue, action,
    audit_age as development_age,
    count(*) as audits
from query_table(outcomes)
where audited
group by metric_date, market, policy, source, object_type, queue, action, audit_age;

-- counted_state: what the decisions of `changing` (a decision_id column) count for now, as rows
-- for restated_decisions: those already queued are left out (their queued state is the one
-- daily_metrics counted), and a decision that counts for nothing gets a row of NULLs, as does one
-- on a day queued whole in stale_metric_days (that day is recomputed, so what it counted for
-- there is not needed; the decision stays queued in case it moves to another day). The merges
-- of sql/ingest/ insert these rows before they change a decision's rows, appeals or audit.
-- Looks the decisions up with views/decisions_of.sql (variable recent_days_from).
create or replace macro counted_state(changing) as table
with ids as (
    select distinct decision_id
    from query_table(changing)
    where decision_id is not null
      and decision_id not in (select decision_id from restated_decisions)
),

counted as (
    select *
    from decisions_of(ids)
    where metric_date not in (select metric_date from stale_metric_days)
),

counted_days as (
    select distinct metric_date from counted
),

cohort as (
    select * from stale_decisions(counted, counted_days)
),

outcomes as (
    select * from decision_outcomes(cohort, appeals, audits)
)

select
    ids.decision_id,
    outcomes.* exclude (decision_id)
from ids
left join outcomes on outcomes.decision_id = ids.decision_id;

-- metric_rates: the one place the headline metrics are defined. Given any table of summed
-- daily_metrics counts (a market-day, a policy-day, a market over 7 days...), appends each rate
-- with its 95% Wilson interval. Rates are always a sum over a sum, never an average of rates.
create or replace macro metric_rates(totals) as table
with rates as (
    select
        *,
        penalties / nullif(decisions, 0) as penalty_ratio,
        overturned_penalties / nullif(penalties, 0) as overkill_rate,
        overturned_no_actions / nullif(no_actions, 0) as leakage_rate,
        non_violating_penalty_weight / nullif(audited_penalty_weight, 0) as audit_overkill_rate,
        violating_no_action_weight / nullif(audited_no_action_weight, 0) as audit_leakage_rate,
        kish_n(audited_penalty_weight, audited_penalty_weight_sq) as audit_penalty_n,
        kish_n(audited_no_action_weight, audited_no_action_weight_sq) as audit_no_action_n
    from query_table(totals)
)
select
    *,
    wilson_low(penalty_ratio, decisions) as penalty_ratio_low,
    wilson_high(penalty_ratio, decisions) as penalty_ratio_high,
    wilson_low(overkill_rate, penalties) as overkill_rate_low,
    wilson_high(overkill_rate, penalties) as overkill_rate_high,
    wilson_low(leakage_rate, no_actions) as leakage_rate_low,
    wilson_high(leakage_rate, no_actions) as leakage_rate_high,
    wilson_low(audit_overkill_rate, audit_penalty_n) as audit_overkill_rate_low,
    wilson_high(audit_overkill_rate, audit_penalty_n) as audit_overkill_rate_high,
    wilson_low(audit_leakage_rate, audit_no_action_n) as audit_leakage_rate_low,
    wilson_high(audit_leakage_rate, audit_no_action_n) as audit_leakage_rate_high
from rates;

-- metric_values: a metric_rates table in long form, one row per metric, with what each rate is
-- made of: numerator / denominator = value (for the audit rates, weight sums), and sample_size,
-- the n of its interval (for the audit rates, the Kish effective sample size).
create or replace macro metric_values(rated) as table
select *
from (
    select
        * exclude (audited_penalty_weight_sq, audited_no_action_weight_sq),
        decisions as penalty_ratio_denominator,
        penalties as overkill_rate_denominator,
        no_actions as leakage_rate_denominator,
        audited_penalty_weight as audit_overkill_rate_denominator,
        audited_no_action_weight as audit_leakage_rate_denominator,
        decisions::double as penalty_ratio_n,
        penalties::double as overkill_rate_n,
        no_actions::double as leakage_rate_n
    from query_table(rated)
)
unpivot include nulls ((value, low, high, numerator, denominator, sample_size) for metric in (
    (penalty_ratio, penalty_ratio_low, penalty_ratio_high, penalties,
     penalty_ratio_denominator, penalty_ratio_n) as penalty_ratio,
    (overkill_rate, overkill_rate_low, overkill_rate_high, overturned_penalties,
     overkill_rate_denominator, overkill_rate_n) as overkill_rate,
    (leakage_rate, leakage_rate_low, leakage_rate_high, overturned_no_actions,
     leakage_rate_denominator, leakage_rate_n) as leakage_rate,
    (audit_overkill_rate, audit_overkill_rate_low, audit_overkill_rate_high,
     non_violating_penalty_weight, audit_overkill_rate_denominator, audit_penalty_n)
        as audit_overkill_rate,
    (audit_leakage_rate, audit_leakage_rate_low, audit_leakage_rate_high,
     violating_no_action_weight, audit_leakage_rate_denominator, audit_no_action_n)
        as audit_leakage_rate
));

-- parse_timestamp: an ISO 8601 timestamp (date, optional time, optional Z or +hh:mm offset
-- right after it) as TIMESTAMPTZ, no offset meaning UTC (the session time zone); NULL for
-- anything else. DuckDB alone would also read words such as 'epoch' or 'infinity', which no
-- export means.
create or replace macro parse_timestamp(x) as
    case
        when regexp_full_match(
            x, '\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|z|[+-]\d{2}(:?\d{2})?)?'
        ) then try_cast(x as timestamptz)
    end;

-- parse_number: a decimal number (sign, digits, fraction, exponent) or inf, infinity, nan in
-- any case, as DOUBLE; NULL for anything else. Written out so that both engines read the same
-- texts as numbers (a plain cast in Spark would also read Java forms such as 2d or 0x1p3).
create or replace macro parse_number(x) as
    case
        when regexp_full_match(
            lower(x), '[+-]?(((\d+(\.\d*)?)|(\.\d+))(e[+-]?\d+)?|inf|infinity|nan)'
        ) then try_cast(x as double)
    end;

-- A version of a row is its normalised content, identified by a hash (staging computes it,
-- ingest/rehash_rows.sql recomputes it after a DuckDB upgrade).
create or replace macro decision_version(decision_id, object_id, object_type, creator_id, market,
                                         policy, action, penalty, source, moderator_id, queue,
                                         decided_at) as
    hash(decision_id, object_id, object_type, creator_id, market, policy, action, penalty, source,
         moderator_id, queue, decided_at);

create or replace macro appeal_version(appeal_id, decision_id, appealed_at, status, resolved_at) as
    hash(appeal_id, decision_id, appealed_at, status, resolved_at);

create or replace macro audit_version(audit_id, decision_id, audited_at, verdict, auditor_id,
                                      sample_weight) as
    hash(audit_id, decision_id, audited_at, verdict, auditor_id, sample_weight);

-- is_market: whether `market` is one of the markets modmetrics reports on. The list is
-- warehouse/vocabulary.py MARKETS, the only place a market is named: whoever runs SQL that calls
-- this sets it as the variable markets (set_variables(con, markets=list(MARKETS))). Unset, no
-- market is one (every decision would be rejected), never every market.
create or replace macro is_market(market) as
    coalesce(list_contains(getvariable('markets')::varchar[], market), false);

-- The ingestion rules, each stated once here for both engines: DuckDB's incremental merges
-- (sql/ingest/merge_*.sql) apply them to the rows a run can change and write the verdicts in
-- place; the Spark engine's whole-history queries (sql/batch/) apply them to every row.

-- is_identical_duplicate: whether a row repeats a version (its id and row_hash) that a row
-- earlier in file, then line, order carries: an identical duplicate, stored for the accounting
-- and counted once. A window over the rows of the query: give it every row of each id it judges.
create or replace macro is_identical_duplicate(id, row_hash, file_id, line_number) as
    row_number() over (partition by id, row_hash order by file_id, line_number) > 1;

-- is_conflicting_version: whether a row's id is delivered with two or more versions (row_hash)
-- among the rows of the query: a conflicting duplicate, whose versions are all rejected
-- (views/rejected_rows.sql; decision_rows.is_conflicting). A repeated version alone is no
-- conflict. A window over the rows of the query: give it every row of each id it judges.
create or replace macro is_conflicting_version(id, row_hash) as
    min(row_hash) over (partition by id) <> max(row_hash) over (partition by id);

-- conflicting_decision_ids: the decision_ids of `candidates` (decision rows, every row of each
-- decision judged) that is_conflicting_version finds: the rows of conflicting_decisions.
create or replace macro conflicting_decision_ids(candidates) as table
select distinct decision_id
from (
    select decision_id, is_conflicting_version(decision_id, row_hash) as is_conflicting
    from query_table(candidates)
) as judged
where is_conflicting;

-- appealed_before_decided: the rows of `appealed` (appeal rows) filed before their decision, in
-- `decided` (the view decisions), was taken, which is impossible: each row as given, with the
-- reason it is quarantined for and its record (instants as UTC text, as a rejected row shows).
-- An appeal whose decision is not in `decided` (yet) is not judged.
create or replace macro appealed_before_decided(appealed, decided) as table
select
    appeal.*,
    'appealed_at before decided_at' as reason,
    json_object(
        'appeal_id', appeal.appeal_id,
        'decision_id', appeal.decision_id,
        'appealed_at', strftime(appeal.appealed_at, '%Y-%m-%d %H:%M:%S.%f+00'),
        'status', appeal.status,
        'resolved_at', strftime(appeal.resolved_at, '%Y-%m-%d %H:%M:%S.%f+00')
    )::varchar as record
from query_table(appealed) as appeal
join query_table(decided) as decision
    on decision.decision_id = appeal.decision_id
where appeal.appealed_at < decision.decided_at;

-- latest_appeal_states: the latest state of each appeal of `candidates` (appeal rows, every row
-- of each appeal judged): the resolved version with the latest resolved_at wins, else the latest
-- pending version; ties go to the later file, then line.
create or replace macro latest_appeal_states(candidates) as table
select
    appeal_id,
    decision_id,
    appealed_at,
    status,
    resolved_at,
    file_id
from query_table(candidates)
where not is_duplicate
qualify row_number() over (
    partition by appeal_id
    order by (status <> 'pending') desc, resolved_at desc nulls last, file_id desc,
             line_number desc
) = 1;

-- counting_audits: the audit that counts for each decision of `candidates` (audit rows). An
-- audit_id counts once, as its latest version (a re-delivery may move it to another decision);
-- of several audits of one decision the latest audited_at wins, ties to the highest audit_id. A
-- decision's audit is right when `candidates` holds every row of every audit with a row on it.
create or replace macro counting_audits(candidates) as table
with current_versions as (
    select *
    from query_table(candidates)
    where not is_duplicate
    qualify row_number() over (
        partition by audit_id order by audited_at desc, file_id desc, line_number desc
    ) = 1
)

select
    decision_id,
    audit_id,
    audited_at,
    verdict,
    auditor_id,
    sample_weight,
    file_id
from current_versions
qualify row_number() over (
    partition by decision_id order by audited_at desc, audit_id desc
) = 1;

-- rate_decomposition: what moved a rate between a baseline and a period, split over segments.
-- `measured` holds, per comparison (market, metric, dimension), segment (policy, queue, source,
-- object_type: the keys the dimension does not split by are NULL) and side ('baseline' or
-- 'period'), the segment's numerator and denominator as metric_values gives them. Method: the
-- symmetric Kitagawa split (Kitagawa, "Components of a difference between two rates", 1955):
-- with denominator shares s0, s1 and rates r0, r1 of a segment in the baseline and the period,
--   mix_effect  = (s1 - s0) (r0 + r1) / 2      (the segment's weight moved)
--   rate_effect = (r1 - r0) (s0 + s1) / 2      (the segment's own rate moved)
--   contribution = mix_effect + rate_effect = s1 r1 - s0 r0,
-- so the contributions of a comparison sum exactly to the change of its market rate (sum of
-- numerators over sum of denominators). A segment absent from one side (no denominator there)
-- has share 0 on that side and the other side's rate: its rate_effect is 0 and its mix_effect
-- s r, which keeps the sum exact. A segment with no denominator on either side is left out.
-- Shares and effects are NULL when the market has no denominator on a side (no rate to move).
create or replace macro rate_decomposition(measured) as table
with sides as (
    select
        market, metric, dimension, policy, queue, source, object_type,
        coalesce(sum(numerator) filter (where side = 'baseline'), 0) as baseline_numerator,
        coalesce(sum(denominator) filter (where side = 'baseline'), 0) as baseline_denominator,
        coalesce(sum(numerator) filter (where side = 'period'), 0) as period_numerator,
        coalesce(sum(denominator) filter (where side = 'period'), 0) as period_denominator
    from query_table(measured)
    group by market, metric, dimension, policy, queue, source, object_type
    having coalesce(sum(denominator) filter (where side = 'baseline'), 0) > 0
        or coalesce(sum(denominator) filter (where side = 'period'), 0) > 0
),

shares as (
    select
        *,
        sum(baseline_numerator) over comparison
            / nullif(sum(baseline_denominator) over comparison, 0) as baseline_market_rate,
        sum(period_numerator) over comparison
            / nullif(sum(period_denominator) over comparison, 0) as period_market_rate,
        baseline_denominator
            / nullif(sum(baseline_denominator) over comparison, 0) as baseline_share,
        period_denominator / nullif(sum(period_denominator) over comparison, 0) as period_share,
        coalesce(
            baseline_numerator / nullif(baseline_denominator, 0),
            period_numerator / nullif(period_denominator, 0)
        ) as baseline_rate,
        coalesce(
            period_numerator / nullif(period_denominator, 0),
            baseline_numerator / nullif(baseline_denominator, 0)
        ) as period_rate
    from sides
    window comparison as (partition by market, metric, dimension)
)

select
    *,
    (period_share - baseline_share) * (baseline_rate + period_rate) / 2 as mix_effect,
    (period_rate - baseline_rate) * (baseline_share + period_share) / 2 as rate_effect,
    (period_share - baseline_share) * (baseline_rate + period_rate) / 2
        + (period_rate - baseline_rate) * (baseline_share + period_share) / 2 as contribution
from shares;
