-- restated_decisions: bring daily_metrics, overturn_development and audit_development up to date
-- for the decisions a run changed (the queue restated_decisions), at the cost of those decisions
-- only: every count is a sum over decisions, so a group's new value is its stored value, minus
-- what the queued decisions counted for when it was stored (their queued rows), plus what they
-- count for now (macros.sql decision_outcomes on the current decisions, appeals and audits).
-- Grains: those of the three tables. Days in stale_metric_days are left to
-- metrics/daily_metrics.sql, which recomputes them whole (run after this file); the decisions
-- on them are left out here on both sides. A group whose decisions drop to 0 is deleted (a
-- lag row whose count drops to 0, likewise), as a recomputation would not produce it. Every
-- row of a day this changes is stamped with the run's id, so that a day's rows differ exactly
-- where its (metric_date, run_id) pairs do (publish/changed_days.sql). Leaves temp table
-- restated_days (the days changed here or queued whole), then empties the queue.
-- Reads restated_decisions, decisions, appeals, audits, stale_metric_days.
-- Variables: run_id, market_timezones, recent_days_from (ingest/recent_days_from.sql).
create or replace temp table counted_before as
select *
from restated_decisions
where metric_date is not null
  and metric_date not in (select metric_date from stale_metric_days);

create or replace temp table counted_now as
with restated as (
    select *
    from decisions_of(restated_decisions)  -- views/decisions_of.sql
    where metric_date not in (select metric_date from stale_metric_days)
),

their_days as (
    select distinct metric_date from restated
),

cohort as (
    select * from stale_decisions(restated, their_days)  -- macros.sql
)

select * from decision_outcomes(cohort, appeals, audits);  -- macros.sql

-- the change of each group: what the decisions count for now, minus what they counted for
create or replace temp table daily_changes as
with changes as (
    select * from outcome_counts(counted_now)  -- macros.sql
    union all by name
    select
        metric_date, market, policy, source, object_type, queue,
        -decisions as decisions,
        -penalties as penalties,
        -no_actions as no_actions,
        -appealed_penalties as appealed_penalties,
        -overturned_penalties as overturned_penalties,
        -appealed_no_actions as appealed_no_actions,
        -overturned_no_actions as overturned_no_actions,
        -pending_appeals as pending_appeals,
        -audited_penalties as audited_penalties,
        -audited_no_actions as audited_no_actions,
        -audited_penalty_weight as audited_penalty_weight,
        -audited_penalty_weight_sq as audited_penalty_weight_sq,
        -non_violating_penalty_weight as non_violating_penalty_weight,
        -audited_no_action_weight as audited_no_action_weight,
        -audited_no_action_weight_sq as audited_no_action_weight_sq,
        -violating_no_action_weight as violating_no_action_weight
    from outcome_counts(counted_before)  -- macros.sql
)

select
    metric_date, market, policy, source, object_type, queue,
    sum(decisions) as decisions,
    sum(penalties) as penalties,
    sum(no_actions) as no_actions,
    sum(appealed_penalties) as appealed_penalties,
    sum(overturned_penalties) as overturned_penalties,
    sum(appealed_no_actions) as appealed_no_actions,
    sum(overturned_no_actions) as overturned_no_actions,
    sum(pending_appeals) as pending_appeals,
    sum(audited_penalties) as audited_penalties,
    sum(audited_no_actions) as audited_no_actions,
    sum(audited_penalty_weight) as audited_penalty_weight,
    sum(audited_penalty_weight_sq) as audited_penalty_weight_sq,
    sum(non_violating_penalty_weight) as non_violating_penalty_weight,
    sum(audited_no_action_weight) as audited_no_action_weight,
    sum(audited_no_action_weight_sq) as audited_no_action_weight_sq,
    sum(violating_no_action_weight) as violating_no_action_weight
from changes
group by metric_date, market, policy, source, object_type, queue;

create or replace temp table overturn_changes as
with changes as (
    select * from overturn_ages(counted_now)  -- macros.sql
    union all
    select * replace (-overturns as overturns) from overturn_ages(counted_before)
)

select
    metric_date, market, policy, source, object_type, queue, action, development_age,
    sum(overturns) as overturns
from changes
group by all;

create or replace temp table audit_changes as
with changes as (
    select * from audit_ages(counted_now)  -- macros.sql
    union all
    select * replace (-audits as audits) from audit_ages(counted_before)
)

select
    metric_date, market, policy, source, object_type, queue, action, development_age,
    sum(audits) as audits
from changes
group by all;

-- the changed groups' new rows: stored + change (a group not stored yet starts from 0)
create or replace temp table restated_groups as
select
    changed.metric_date, changed.market, changed.policy, changed.source,
    changed.object_type, changed.queue,
    coalesce(stored.decisions, 0) + changed.decisions as decisions,
    coalesce(stored.penalties, 0) + changed.penalties as penalties,
    coalesce(stored.no_actions, 0) + changed.no_actions as no_actions,
    coalesce(stored.appealed_penalties, 0) + changed.appealed_penalties as appealed_penalties,
    coalesce(stored.overturned_penalties, 0) + changed.overturned_penalties
        as overturned_penalties,
    coalesce(stored.appealed_no_actions, 0) + changed.appealed_no_actions as appealed_no_actions,
    coalesce(stored.overturned_no_actions, 0) + changed.overturned_no_actions
        as overturned_no_actions,
    coalesce(stored.pending_appeals, 0) + changed.pending_appeals as pending_appeals,
    coalesce(stored.audited_penalties, 0) + changed.audited_penalties as audited_penalties,
    coalesce(stored.audited_no_actions, 0) + changed.audited_no_actions as audited_no_actions,
    coalesce(stored.audited_penalty_weight, 0) + changed.audited_penalty_weight
        as audited_penalty_weight,
    coalesce(stored.audited_penalty_weight_sq, 0) + changed.audited_penalty_weight_sq
        as audited_penalty_weight_sq,
    coalesce(stored.non_violating_penalty_weight, 0) + changed.non_violating_penalty_weight
        as non_violating_penalty_weight,
    coalesce(stored.audited_no_action_weight, 0) + changed.audited_no_action_weight
        as audited_no_action_weight,
    coalesce(stored.audited_no_action_weight_sq, 0) + changed.audited_no_action_weight_sq
        as audited_no_action_weight_sq,
    coalesce(stored.violating_no_action_weight, 0) + changed.violating_no_action_weight
        as violating_no_action_weight,
    getvariable('run_id') as run_id
from daily_changes as changed
left join daily_metrics as stored
    on stored.metric_date = changed.metric_date
    and stored.market = changed.market
    and stored.policy = changed.policy
    and stored.source = changed.source
    and stored.object_type = changed.object_type
    and stored.queue = changed.queue;

delete from daily_metrics
using daily_changes as changed
where daily_metrics.metric_date = changed.metric_date
  and daily_metrics.market = changed.market
  and daily_metrics.policy = changed.policy
  and daily_metrics.source = changed.source
  and daily_metrics.object_type = changed.object_type
  and daily_metrics.queue = changed.queue;

insert into daily_metrics
select * from restated_groups where decisions <> 0;

create or replace temp table restated_overturn_groups as
select
    changed.* exclude (overturns),
    coalesce(stored.overturns, 0) + changed.overturns as overturns,
    getvariable('run_id') as run_id
from overturn_changes as changed
left join overturn_development as stored
    on stored.metric_date = changed.metric_date
    and stored.market = changed.market
    and stored.policy = changed.policy
    and stored.source = changed.source
    and stored.object_type = changed.object_type
    and stored.queue = changed.queue
    and stored.action = changed.action
    and stored.development_age = changed.development_age;

delete from overturn_development
using overturn_changes as changed
where overturn_development.metric_date = changed.metric_date
  and overturn_development.market = changed.market
  and overturn_development.policy = changed.policy
  and overturn_development.source = changed.source
  and overturn_development.object_type = changed.object_type
  and overturn_development.queue = changed.queue
  and overturn_development.action = changed.action
  and overturn_development.development_age = changed.development_age;

insert into overturn_development
select * from restated_overturn_groups where overturns <> 0;

create or replace temp table restated_audit_groups as
select
    changed.* exclude (audits),
    coalesce(stored.audits, 0) + changed.audits as audits,
    getvariable('run_id') as run_id
from audit_changes as changed
left join audit_development as stored
    on stored.metric_date = changed.metric_date
    and stored.market = changed.market
    and stored.policy = changed.policy
    and stored.source = changed.source
    and stored.object_type = changed.object_type
    and stored.queue = changed.queue
    and stored.action = changed.action
    and stored.development_age = changed.development_age;

delete from audit_development
using audit_changes as changed
where audit_development.metric_date = changed.metric_date
  and audit_development.market = changed.market
  and audit_development.policy = changed.policy
  and audit_development.source = changed.source
  and audit_development.object_type = changed.object_type
  and audit_development.queue = changed.queue
  and audit_development.action = changed.action
  and audit_development.development_age = changed.development_age;

insert into audit_development
select * from restated_audit_groups where audits <> 0;

-- the days changed here, stamped with the run (with the days queued whole)
create or replace temp table restated_days as
select metric_date from daily_changes
union
select metric_date from overturn_changes
union
select metric_date from audit_changes
union
select metric_date from stale_metric_days;

update daily_metrics
set run_id = getvariable('run_id')
where metric_date in (select metric_date from restated_days)
  and run_id <> getvariable('run_id');

update overturn_development
set run_id = getvariable('run_id')
where metric_date in (select metric_date from restated_days)
  and run_id <> getvariable('run_id');

update audit_development
set run_id = getvariable('run_id')
where metric_date in (select metric_date from restated_days)
  and run_id <> getvariable('run_id');

delete from restated_decisions;
