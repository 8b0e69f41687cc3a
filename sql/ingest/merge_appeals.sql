-- merge_appeals: put this run's appeals into the warehouse and refresh their latest state.
-- Reads temp tables staged (this run's rows through sql/staging/stg_appeals.sql) and
-- replaced_files. Writes quarantine, appeal_rows, appeals, stale_metric_days. Runs after
-- merge_decisions, so the decisions that arrived in this run are visible.
-- Variables: run_id, run_started_at.

-- 1. Withdraw the rows of replaced files; the earliest repeat of a withdrawn row takes its place.
create or replace temp table withdrawn as
select appeal_id, decision_id, row_hash, is_duplicate
from appeal_rows
where file_id in (select file_id from replaced_files);

delete from appeal_rows where file_id in (select file_id from replaced_files);

update appeal_rows
set is_duplicate = false
where rowid in (
    select min_by(appeal_rows.rowid, [appeal_rows.file_id, appeal_rows.line_number])
    from appeal_rows
    semi join (select * from withdrawn where not is_duplicate) as lost using (appeal_id, row_hash)
    group by appeal_rows.appeal_id, appeal_rows.row_hash
    having bool_and(appeal_rows.is_duplicate)
);

-- 2. Rule failures go to quarantine.
insert into quarantine
select 'appeals', file_id, line_number, reject_reason, record,
       getvariable('run_id'), getvariable('run_started_at')
from staged
where reject_reason is not null;

-- 3. Every accepted row is stored; rows identical to a kept version are identical duplicates.
create or replace temp table accepted as
select *, hash(appeal_id, decision_id, appealed_at, status, resolved_at) as row_hash
from staged
where reject_reason is null;

create or replace temp table kept_versions as
select distinct appeal_id, row_hash
from appeal_rows
where appeal_id in (select appeal_id from accepted);

insert into appeal_rows (
    appeal_id, decision_id, appealed_at, status, resolved_at, row_hash, is_duplicate, file_id,
    line_number, run_id
)
select
    accepted.appeal_id, accepted.decision_id, accepted.appealed_at, accepted.status,
    accepted.resolved_at, accepted.row_hash,
    kept_versions.appeal_id is not null
        or row_number() over (
            partition by accepted.appeal_id, accepted.row_hash
            order by accepted.file_id, accepted.line_number
        ) > 1,
    accepted.file_id, accepted.line_number, getvariable('run_id')
from accepted
left join kept_versions
    on kept_versions.appeal_id = accepted.appeal_id
    and kept_versions.row_hash = accepted.row_hash;

-- 4. An appeal filed before its decision was taken is impossible: quarantine it. Checked for
--    this run's appeals, and for every decision this run (re)admitted: those of the days queued
--    for recomputation (new decisions, and conflicts resolved by a replaced file).
create or replace temp table appealed_too_early as
select appeal_rows.rowid as row_id, appeal_rows.*
from appeal_rows
join decisions using (decision_id)
where appeal_rows.appealed_at < decisions.decided_at
  and (appeal_rows.run_id = getvariable('run_id')
       or decisions.metric_date in (select metric_date from stale_metric_days));

insert into quarantine
select 'appeals', file_id, line_number, 'appealed_at before decided_at',
       json_object('appeal_id', appeal_id, 'decision_id', decision_id,
                   'appealed_at', appealed_at, 'status', status,
                   'resolved_at', resolved_at)::varchar,
       getvariable('run_id'), getvariable('run_started_at')
from appealed_too_early;

delete from appeal_rows where rowid in (select row_id from appealed_too_early);

-- 5. Latest state of every appeal this run touched.
create or replace temp table touched_appeals as
select appeal_id, decision_id from accepted
union
select appeal_id, decision_id from withdrawn
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
  and not is_duplicate
-- the resolved version with the latest resolved_at wins; else the latest pending version
qualify row_number() over (
    partition by appeal_id
    order by (status <> 'pending') desc, resolved_at desc nulls last, file_id desc,
             line_number desc
) = 1;

-- 6. Late appeals restate the day of the decision they refer to (cohort by decision day).
insert into stale_metric_days
select distinct metric_date
from decisions
where decision_id in (select decision_id from touched_appeal_decisions);
