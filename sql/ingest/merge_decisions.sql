-- merge_decisions: put this run's decisions into the warehouse.
-- Reads temp tables staged (this run's rows through sql/staging/stg_decisions.sql) and
-- replaced_files. Writes quarantine (rule failures), decision_rows (with their is_conflicting
-- flags), conflicting_decisions, stale_metric_days (new days) and restated_decisions.
-- Variables: run_id, run_started_at, market_timezones, recent_days_from (recent_days_from.sql).
-- The rules are those the Spark engine applies to the whole history (sql/batch/), stated once in
-- sql/macros.sql: is_identical_duplicate and conflicting_decision_ids. This file only chooses
-- the rows a run can change, hands them to the rules, and writes the verdicts in place.
-- Work done grows with this run's rows: whole-table scans are limited to semi-joins on ids.

-- 0. What this merge can change, queued before anything changes. A day daily_metrics holds
--    nothing for (a new day) is counted whole (stale_metric_days); on the other days, the
--    decisions this merge can change are queued with what they count for now
--    (schema/restated_decisions.sql): this run's ids, and those of replaced files (the touched
--    ids of step 3 are among them). The metrics step takes that off and adds their new counts.
create or replace temp table new_days as
select distinct market_day(market, decided_at) as metric_date
from staged
where reject_reason is null
except
select distinct metric_date from daily_metrics;

insert into stale_metric_days
select metric_date from new_days;

-- the stored rows of the ids this batch delivers again, and those ids: the one read of
-- decision_rows by the batch's ids (steps 0, 3 and 4 use it)
create or replace temp table redelivered_rows as
select
    rowid as row_id,
    is_duplicate as was_duplicate,
    is_conflicting as was_conflicting,
    decision_id,
    row_hash,
    file_id,
    line_number
from decision_rows
semi join (select decision_id from staged where reject_reason is null) as batch
    using (decision_id);

create or replace temp table redelivered as
select distinct decision_id from redelivered_rows;

insert into restated_decisions
with changing as (
    select decision_id
    from staged
    where reject_reason is null
      and market_day(market, decided_at) not in (select metric_date from new_days)
    union
    select decision_id from redelivered  -- a stored id delivered again on a new day
    union
    select decision_id from decision_rows where file_id in (select file_id from replaced_files)
)

select * from counted_state(changing);  -- macros.sql

-- 1. Withdraw the rows of replaced files. Their ids are judged again in step 4: a withdrawn
--    row that another file repeats lives on, as its earliest repeat.
create or replace temp table withdrawn as
select decision_id, metric_date
from decision_rows
where file_id in (select file_id from replaced_files);

delete from decision_rows where file_id in (select file_id from replaced_files);

-- 2. Rule failures go to quarantine.
insert into quarantine
select 'decisions', file_id, line_number, reject_reason, record,
       getvariable('run_id'), getvariable('run_started_at')
from staged
where reject_reason is not null;

-- 3. The ids whose verdicts can change: only ids seen twice in this batch, or already in the
--    warehouse, can repeat or conflict; an id that lost a row may stop doing either. (An id of
--    redelivered whose stored rows were all withdrawn in step 1 is judged needlessly, and
--    rightly: judging takes every row of an id.)
create or replace temp table touched_decisions as
select decision_id
from staged
where reject_reason is null
group by decision_id
having count(*) > 1
union
select decision_id from redelivered
union
select decision_id from withdrawn;

-- 4. Judge every row of those ids, stored and new, for identical duplicates and for conflicts;
--    a row of any other id is the only copy of its version (new file ids come after every
--    stored one), and no conflict.
--    The stored rows of the touched ids: those of redelivered ids were read in step 0 (less the
--    rows step 1 withdrew); only a withdrawn id that this batch does not deliver is looked up
--    again (none on a run that replaces no file), so that no row is judged twice; a batch id not
--    in redelivered has no stored row.
create or replace temp table versions as
select *
from redelivered_rows
where file_id not in (select file_id from replaced_files)
union all
select
    rowid,
    is_duplicate,
    is_conflicting,
    decision_id,
    row_hash,
    file_id,
    line_number
from decision_rows
where decision_id in (
    select decision_id from withdrawn
    except
    select decision_id from redelivered
)
union all
select
    null,
    null,
    null,
    decision_id,
    row_hash,
    file_id,
    line_number
from staged
where reject_reason is null
  and decision_id in (select decision_id from touched_decisions);

create or replace temp table judged as
select
    row_id,
    was_duplicate,
    file_id,
    line_number,
    is_identical_duplicate(decision_id, row_hash, file_id, line_number) as is_duplicate
from versions;

-- conflicts: the touched ids with two or more versions among those rows
create or replace temp table conflicts as
select decision_id
from conflicting_decision_ids(versions);

-- a stored row whose verdict changed (the earliest repeat of a withdrawn row) flips, as does
-- one whose id now conflicts, or no longer does
update decision_rows
set is_duplicate = not is_duplicate
where rowid in (select row_id from judged where is_duplicate <> was_duplicate);

update decision_rows
set is_conflicting = not is_conflicting
where rowid in (
    select row_id
    from versions
    where row_id is not null
      and was_conflicting <> (decision_id in (select decision_id from conflicts))
);

-- Every accepted row is stored; an identical duplicate is stored for the accounting, counted
-- once.
insert into decision_rows (
    decision_id, object_id, object_type, creator_id, market, policy, action, penalty, source,
    moderator_id, queue, decided_at, metric_date, row_hash, is_duplicate, file_id, line_number,
    run_id, is_conflicting
)
select
    staged.decision_id, staged.object_id, staged.object_type, staged.creator_id,
    staged.market, staged.policy, staged.action, staged.penalty, staged.source,
    staged.moderator_id, staged.queue, staged.decided_at,
    market_day(staged.market, staged.decided_at),
    staged.row_hash,
    coalesce(judged.is_duplicate, false),
    staged.file_id, staged.line_number, getvariable('run_id'),
    staged.decision_id in (select decision_id from conflicts)
from staged
left join judged
    on judged.row_id is null
    and judged.file_id = staged.file_id
    and judged.line_number = staged.line_number
where staged.reject_reason is null;

-- 5. Record the conflicts of step 4: a conflict found is recorded once (when first detected); a
--    replaced file that leaves one version resolves it. Every row of the touched ids carries
--    the verdict as is_conflicting (a row of any other id keeps false: its id has one version).
delete from conflicting_decisions
where decision_id in (select decision_id from touched_decisions)
  and decision_id not in (select decision_id from conflicts);

insert into conflicting_decisions
select decision_id, getvariable('run_started_at'), getvariable('run_id')
from conflicts
where decision_id not in (select decision_id from conflicting_decisions);
