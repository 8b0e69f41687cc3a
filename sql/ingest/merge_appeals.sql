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

-- 3. Which accepted rows repeat a version already kept? A version is (appeal_id, row_hash).
--    Only ids seen twice in this batch, or already in the warehouse, can repeat.
create or replace temp table repeated_ids as
select appeal_id
from staged
where reject_reason is null
group by appeal_id
having count(*) > 1;

create or replace temp table kept_versions as
select distinct appeal_id, row_hash
from appeal_rows
semi join (select appeal_id from staged where reject_reason is null) as batch using (appeal_id);

create or replace temp table first_copies as
select
    appeal_id,
    row_hash,
    min_by(file_id, [file_id, line_number]) as file_id,
    min_by(line_number, [file_id, line_number]) as line_number
from staged
where reject_reason is null
  and appeal_id in (select appeal_id from repeated_ids)
group by appeal_id, row_hash;

-- Every accepted row is stored; a repeat of a kept version is an identical duplicate.
insert into appeal_rows (
    appeal_id, decision_id, appealed_at, status, resolved_at, row_hash, is_duplicate, file_id, line_number, run_id
)
select
    staged.appeal_id,
    staged.decision_id,
    staged.appealed_at,
    staged.status,
    staged.resolved_at,
    staged.row_hash,
    kept_versions.appeal_id is not null
        or (first_copies.appeal_id is not null
            and not (first_copies.file_id = staged.file_id
                     and first_copies.line_number = staged.line_number)),
    staged.file_id, staged.line_number, getvariable('run_id')
from staged
left join kept_versions
    on kept_versions.appeal_id = staged.appeal_id
    and kept_versions.row_hash = staged.row_hash
left join first_copies
    on first_copies.appeal_id = staged.appeal_id
    and first_copies.row_hash = staged.row_hash
where staged.reject_reason is null;

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
                   'appealed_at', strftime(appealed_at, '%Y-%m-%d %H:%M:%S.%f+00'),
                   'status', status,
                   'resolved_at', strftime(resolved_at, '%Y-%m-%d %H:%M:%S.%f+00')
       )::varchar,
       getvariable('run_id'), getvariable('run_started_at')
from appealed_too_early;

delete from appeal_rows where rowid in (select row_id from appealed_too_early);

-- 5. Latest state of every appeal this run touched.
create or replace temp table touched_appeals as
select appeal_id, decision_id from staged where reject_reason is null
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
