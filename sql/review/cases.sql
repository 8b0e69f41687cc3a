-- cases: the decisions behind one metric's numerator, for root-cause review: one row per decision
-- that counts in the numerator, with the appeal or audit that makes it count.
-- Grain: decision_id. Inputs: decisions, appeals, audits (the counting audit of each decision).
-- Method: the same rules as metrics/daily_counts.sql, so that the rows are exactly the decisions
-- market_daily_metrics (or metric_breakdowns, for a segment) counts on those days:
--   overkill_rate       penalties with at least one appeal in state overturned (latest state);
--   leakage_rate        no_actions with at least one appeal in state overturned;
--   audit_overkill_rate penalties whose counting audit says non_violating;
--   audit_leakage_rate  no_actions whose counting audit says violating;
--   penalty_ratio       the penalties.
-- Appeals and audits count on their decision's metric_date; queue is 'unspecified' when none was
-- delivered, as in daily_metrics. The audit rates' numerators are weight sums: the sum of
-- sample_weight of the rows is the numerator (the row count is the number of decisions).
-- Parameters (bound, never text): $market, $metric, $first_day, $last_day, and the segment
-- filters $policy, $queue, $source, $object_type (NULL: any).
with chosen as (
    select
        decision_id,
        object_id,
        creator_id,
        object_type,
        policy,
        coalesce(queue, 'unspecified') as queue,
        source,
        moderator_id,
        action,
        decided_at,
        metric_date
    from decisions
    where market = $market
        and metric_date between $first_day and $last_day
        and ($policy is null or policy = $policy)
        and ($queue is null or coalesce(queue, 'unspecified') = $queue)
        and ($source is null or source = $source)
        and ($object_type is null or object_type = $object_type)
),

-- the overturned appeal shown for each decision: the latest resolved, ties to the highest id
overturns as (
    select
        decision_id,
        appeal_id,
        status as appeal_status,
        appealed_at,
        resolved_at,
        count(*) over (partition by decision_id) as overturned_appeals
    from appeals
    where status = 'overturned'
        and decision_id in (select decision_id from chosen)
    qualify row_number() over (
        partition by decision_id order by resolved_at desc nulls last, appeal_id desc
    ) = 1
),

counted as (
    select
        chosen.*,
        overturns.appeal_id,
        overturns.appeal_status,
        overturns.appealed_at,
        overturns.resolved_at,
        overturns.overturned_appeals,
        audits.audit_id,
        audits.verdict as audit_verdict,
        audits.auditor_id,
        audits.audited_at,
        audits.sample_weight
    from chosen
    left join overturns using (decision_id)
    left join audits using (decision_id)
)

select
    decision_id,
    object_id,
    creator_id,
    policy,
    queue,
    source,
    object_type,
    moderator_id,
    action,
    decided_at,
    metric_date,
    -- the appeal that makes an overkill or leakage case count
    case when $metric in ('overkill_rate', 'leakage_rate') then appeal_id end as appeal_id,
    case when $metric in ('overkill_rate', 'leakage_rate') then appeal_status end as appeal_status,
    case when $metric in ('overkill_rate', 'leakage_rate') then appealed_at end as appealed_at,
    case when $metric in ('overkill_rate', 'leakage_rate') then resolved_at end as resolved_at,
    case when $metric in ('overkill_rate', 'leakage_rate') then overturned_appeals end
        as overturned_appeals,
    -- the audit that makes an audit_* case count
    case when $metric like 'audit_%' then audit_id end as audit_id,
    case when $metric like 'audit_%' then audit_verdict end as audit_verdict,
    case when $metric like 'audit_%' then auditor_id end as auditor_id,
    case when $metric like 'audit_%' then audited_at end as audited_at,
    case when $metric like 'audit_%' then sample_weight end as sample_weight
from counted
where case $metric
    when 'overkill_rate' then action = 'penalize' and appeal_id is not null
    when 'leakage_rate' then action = 'no_action' and appeal_id is not null
    when 'audit_overkill_rate' then action = 'penalize' and audit_verdict = 'non_violating'
    when 'audit_leakage_rate' then action = 'no_action' and audit_verdict = 'violating'
    when 'penalty_ratio' then action = 'penalize'
    else false
end
order by decided_at, decision_id
