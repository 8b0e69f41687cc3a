-- merge_decisions: put this run's decisions into the warehouse.
-- Reads temp table staged (this run's rows through sql/staging/stg_decisions.sql). Writes
-- quarantine (rule failures), decision_rows (new versions only), conflicting_decisions and
-- stale_metric_days. Variables: run_id, run_started_at, reporting_timezone.

insert into quarantine
select 'decisions', file_id, line_number, reject_reason, record,
       getvariable('run_id'), getvariable('run_started_at')
from staged
where reject_reason is not null;

-- A version is the normalised content of a decision; the same version seen again (in this batch
-- or an earlier run) is an identical duplicate: kept once, counted in file_manifest.
create or replace temp table new_versions as
with accepted as (
    select
        *,
        hash(decision_id, object_id, object_type, creator_id, market, policy, action, penalty,
             source, moderator_id, queue, decided_at) as row_hash
    from staged
    where reject_reason is null
),

first_seen as (
    select *
    from accepted
    qualify row_number() over (
        partition by decision_id, row_hash order by file_id, line_number
    ) = 1
)

select first_seen.*
from first_seen
anti join decision_rows using (decision_id, row_hash);

insert into decision_rows
select
    decision_id, object_id, object_type, creator_id, market, policy, action, penalty, source,
    moderator_id, queue, decided_at,
    (decided_at at time zone getvariable('reporting_timezone'))::date as metric_date,
    row_hash, file_id, line_number, getvariable('run_id')
from new_versions;

-- Two versions of one decision_id: all of them are rejected until the source resolves it.
insert into conflicting_decisions
select decision_id, getvariable('run_started_at'), getvariable('run_id')
from decision_rows
where decision_id in (select decision_id from new_versions)
  and decision_id not in (select decision_id from conflicting_decisions)
group by decision_id
having count(*) > 1;

-- Every day a touched decision lands on (an earlier version's day too) must be recomputed.
insert into stale_metric_days
select distinct metric_date
from decision_rows
where decision_id in (select decision_id from new_versions);
