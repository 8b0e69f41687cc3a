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
