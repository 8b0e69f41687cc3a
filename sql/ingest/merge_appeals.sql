-- merge_appeals: put this run's appeals into the warehouse and refresh their latest state.
-- Reads temp table staged (this run's rows through sql/staging/stg_appeals.sql). Writes
-- quarantine, appeal_rows, appeals, stale_metric_days. Runs after merge_decisions, so the
-- decisions that arrived in this run are visible. Variables: run_id, run_started_at.

insert into quarantine
select 'appeals', file_id, line_number, reject_reason, record,
       getvariable('run_id'), getvariable('run_started_at')
from staged
where reject_reason is not null;

create or replace temp table new_versions as
with accepted as (
    select *, hash(appeal_id, decision_id, appealed_at, status, resolved_at) as row_hash
    from staged
    where reject_reason is null
),

first_seen as (
    select *
    from accepted
    qualify row_number() over (partition by appeal_id, row_hash order by file_id, line_number) = 1
)

select first_seen.*
from first_seen
anti join appeal_rows using (appeal_id, row_hash);

insert into appeal_rows
select appeal_id, decision_id, appealed_at, status, resolved_at, row_hash, file_id, line_number,
       getvariable('run_id')
from new_versions;

-- An appeal filed before its decision was taken is impossible: quarantine it. Checked for this
-- run's appeals, and for orphans whose decision arrived in this run.
create or replace temp table appealed_too_early as
select appeal_rows.*
from appeal_rows
join decisions using (decision_id)
where appeal_rows.appealed_at < decisions.decided_at
  and (appeal_rows.run_id = getvariable('run_id') or decisions.run_id = getvariable('run_id'));

insert into quarantine
select 'appeals', file_id, line_number, 'appealed_at before decided_at',
       json_object('appeal_id', appeal_id, 'decision_id', decision_id,
                   'appealed_at', appealed_at, 'status', status,
                   'resolved_at', resolved_at)::varchar,
       getvariable('run_id'), getvariable('run_started_at')
from appealed_too_early;

delete from appeal_rows
using appealed_too_early
where appeal_rows.appeal_id = appealed_too_early.appeal_id
  and appeal_rows.row_hash = appealed_too_early.row_hash;

-- Latest state of every appeal this run touched.
create or replace temp table touched_appeals as
select appeal_id, decision_id from new_versions
union
select appeal_id, decision_id from appealed_too_early;

create or replace temp table touched_appeal_decisions as
select decision_id from touched_appeals
union
select decision_id from appeals where appeal_id in (select appeal_id from touched_appeals);

delete from appeals where appeal_id in (select appeal_id from touched_appeals);

insert into appeals
select appeal_id, decision_id, appealed_at, status, resolved_at, file_id, getvariable('run_id')
from appeal_rows
where appeal_id in (select appeal_id from touched_appeals)
-- the resolved version with the latest resolved_at wins; else the latest pending version
qualify row_number() over (
    partition by appeal_id
    order by (status <> 'pending') desc, resolved_at desc nulls last, file_id desc,
             line_number desc
) = 1;

-- Late appeals restate the day of the decision they refer to (cohort by decision day).
insert into stale_metric_days
select distinct metric_date
from decisions
where decision_id in (select decision_id from touched_appeal_decisions);
