-- merge_appeals: put this run's appeals into the warehouse and refresh their latest state.
-- Reads temp tables staged (this run's rows through sql/staging/stg_appeals.sql) and
-- replaced_files. Writes quarantine, appeal_rows, appeals, restated_decisions. Runs after
-- merge_decisions, so the decisions that arrived in this run are visible.
-- Variables: run_id, run_started_at, market_timezones, recent_days_from (recent_days_from.sql).
-- The rules are those the Spark engine applies to the whole history (sql/batch/), stated once in
-- sql/macros.sql: is_identical_duplicate, appealed_before_decided and latest_appeal_states. This
-- file only chooses the rows a run can change, hands them to the rules, and writes the verdicts
-- in place.

-- 1. Withdraw the rows of replaced files. Their ids are judged again in step 3: a withdrawn row
--    that another file repeats lives on, as its earliest repeat.
create or replace temp table withdrawn as
select appeal_id, decision_id
from appeal_rows
where file_id in (select file_id from replaced_files);

delete from appeal_rows where file_id in (select file_id from replaced_files);

-- 2. Rule failures go to quarantine.
insert into quarantine
select 'appeals', file_id, line_number, reject_reason, record,
       getvariable('run_id'), getvariable('run_started_at')
from staged
where reject_reason is not null;

-- 3. Identical duplicates. Only ids seen twice in this batch, or already in the warehouse, can
--    repeat; an id that lost a row may stop. Every row of those ids, stored and new, is judged;
--    a row of any other id is the only copy of its version (new file ids come after every
--    stored one).
--    The stored rows of the batch's ids are read once, here, for the ids and for the judging.
create or replace temp table stored_repeats as
select
    rowid as row_id,
    is_duplicate as was_duplicate,
    appeal_id,
    row_hash,
    file_id,
    line_number
from appeal_rows
semi join (select appeal_id from staged where reject_reason is null) as batch using (appeal_id);

create or replace temp table repeatable_ids as
select appeal_id
from staged
where reject_reason is null
group by appeal_id
having count(*) > 1
union
select appeal_id from stored_repeats
union
select appeal_id from withdrawn;

create or replace temp table judged as
with versions as (
    -- stored: the rows of the batch's ids (stored_repeats), and of a withdrawn id the batch
    -- does not deliver (looked up only then: none on a run that replaces no file)
    select * from stored_repeats
    union all
    select rowid, is_duplicate, appeal_id, row_hash, file_id, line_number
    from appeal_rows
    where appeal_id in (
        select appeal_id from withdrawn
        except
        select appeal_id from staged where reject_reason is null
    )
    union all
    select
        null,
        null,
        appeal_id,
        row_hash,
        file_id,
        line_number
    from staged
    where reject_reason is null
      and appeal_id in (select appeal_id from repeatable_ids)
)

select
    row_id,
    was_duplicate,
    file_id,
    line_number,
    is_identical_duplicate(appeal_id, row_hash, file_id, line_number) as is_duplicate
from versions;

-- a stored row whose verdict changed (the earliest repeat of a withdrawn row) flips
update appeal_rows
set is_duplicate = not is_duplicate
where rowid in (select row_id from judged where is_duplicate <> was_duplicate);

-- Every accepted row is stored; an identical duplicate is stored for the accounting, counted
-- once.
insert into appeal_rows (
    appeal_id, decision_id, appealed_at, status, resolved_at, row_hash, is_duplicate, file_id,
    line_number, run_id
)
select
    staged.appeal_id,
    staged.decision_id,
    staged.appealed_at,
    staged.status,
    staged.resolved_at,
    staged.row_hash,
    coalesce(judged.is_duplicate, false),
    staged.file_id,
    staged.line_number,
    getvariable('run_id')
from staged
left join judged
    on judged.row_id is null
    and judged.file_id = staged.file_id
    and judged.line_number = staged.line_number
where staged.reject_reason is null;

-- 4. An appeal filed before its decision was taken is impossible: quarantine it. Checked for
--    this run's appeals, and for every decision this run (re)admitted: those queued in
--    restated_decisions (new decisions, and conflicts resolved by a replaced file), and those of
--    the days queued for recomputation whole (a market's new time zone).
--    Only a decision taken after the earliest checked appeal can be taken after one of them:
--    the others are left out by a constant bound on decided_at (DuckDB skips their row groups).
create or replace temp table checked_appeals as
select
    rowid as row_id,
    *
from appeal_rows
where run_id = getvariable('run_id')
   or decision_id in (select decision_id from restated_decisions)
   or decision_id in (
       select decision_id
       from decisions
       where metric_date in (select metric_date from stale_metric_days)
   );

set variable earliest_checked_appeal = (select min(appealed_at) from checked_appeals);

create or replace temp table appealed_too_early as
with later_decisions as (
    select *
    from decisions
    where decided_at > coalesce(getvariable('earliest_checked_appeal'), 'infinity'::timestamptz)
)

select *
from appealed_before_decided(checked_appeals, later_decisions);

insert into quarantine
select 'appeals', file_id, line_number, reason, record,
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

-- what their decisions count for before their appeals change (late appeals restate the
-- decision they refer to: cohort by decision day); the metrics step takes it off
insert into restated_decisions
select * from counted_state(touched_appeal_decisions);  -- macros.sql

delete from appeals where appeal_id in (select appeal_id from touched_appeals);

insert into appeals
with touched_rows as (
    select *
    from appeal_rows
    where appeal_id in (select appeal_id from touched_appeals)
)

select
    *,
    getvariable('run_id')
from latest_appeal_states(touched_rows);
