-- Macros shared by the metric views; analysts can call them in ad hoc SQL too.
-- clean_text: the value without surrounding spaces, NULL when nothing is left (an empty CSV
-- field is NULL). Spaces only, as the landing contract says: trim() with a character set costs
-- three times as much on every value of every row.
create or replace macro clean_text(x) as
    nullif(trim(x), '');

-- Wilson score interval for a proportion p observed on n trials, 95% (z = 1.959963984540054).
-- n may be fractional (Kish effective sample size for weighted audits). NULL when n is 0.
-- The bounds are exactly 0 at p = 0 and exactly 1 at p = 1 (the formula gives them up to rounding).
create or replace macro wilson_low(p, n) as
    case
        when n is null or n <= 0 or p is null then null
        when p <= 0 then 0.0
        else greatest(0.0,
            (p + 1.959963984540054 ^ 2 / (2 * n)
             - 1.959963984540054 * sqrt(p * (1 - p) / n + 1.959963984540054 ^ 2 / (4 * n * n)))
            / (1 + 1.959963984540054 ^ 2 / n))
    end;

create or replace macro wilson_high(p, n) as
    case
        when n is null or n <= 0 or p is null then null
        when p >= 1 then 1.0
        else least(1.0,
            (p + 1.959963984540054 ^ 2 / (2 * n)
             + 1.959963984540054 * sqrt(p * (1 - p) / n + 1.959963984540054 ^ 2 / (4 * n * n)))
            / (1 + 1.959963984540054 ^ 2 / n))
    end;

-- Kish effective sample size of a weighted sample: (sum w)^2 / sum(w^2).
create or replace macro kish_n(sum_w, sum_w2) as
    case when sum_w2 > 0 then sum_w * sum_w / sum_w2 end;

-- parse_timestamp: an ISO 8601 timestamp (date, optional time, optional Z or +hh:mm offset) as
-- TIMESTAMPTZ, no offset meaning UTC (the session time zone); NULL for anything else. DuckDB
-- alone would also read words such as 'epoch' or 'infinity', which no export means.
create or replace macro parse_timestamp(x) as
    case
        when regexp_full_match(
            x, '\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)? ?(Z|z|[+-]\d{2}(:?\d{2})?)?'
        ) then try_cast(x as timestamptz)
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
