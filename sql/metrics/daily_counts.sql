-- daily_counts: the additive counts of the metric days in stale_metric_days, one row per
-- (metric_date, market, policy, source, object_type, queue). The one definition of every count:
-- DuckDB runs it through metrics/daily_metrics.sql, the Spark engine translated (see
-- assets/spark/translate.py). Appeals and audits count on their decision's metric_date (cohort by
-- decision day). Reads decisions, appeals, audits and stale_metric_days (the days to count).
with day_decisions as (
    select * from stale_decisions(decisions, stale_metric_days)  -- macros.sql
),

appeal_outcomes as (
    select
        decision_id,
        count(*) as appeals,
        count(*) filter (where status = 'overturned') as overturned,
        count(*) filter (where status = 'pending') as pending
    from appeals
    where decision_id in (select decision_id from day_decisions)
    group by decision_id
),

day_audits as (
    select decision_id, verdict, sample_weight
    from audits
    where decision_id in (select decision_id from day_decisions)
),

outcomes as (
    select
        day_decisions.*,
        coalesce(appeal_outcomes.appeals, 0) > 0 as appealed,
        coalesce(appeal_outcomes.overturned, 0) > 0 as overturned,
        coalesce(appeal_outcomes.pending, 0) as pending,
        day_audits.decision_id is not null as audited,
        day_audits.verdict,
        day_audits.sample_weight
    from day_decisions
    left join appeal_outcomes using (decision_id)
    left join day_audits using (decision_id)
)

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
from outcomes
group by metric_date, market, policy, source, object_type, queue
