-- merge_decisions: put this run's decisions into the warehouse.
-- Reads temp tables staged (this run's rows through sql/staging/stg_decisions.sql) and
-- replaced_files. Writes quarantine (rule failures), decision_rows, conflicting_decisions and
-- stale_metric_days. Variables: run_id, run_started_at, reporting_timezone.
-- Work done grows with this run's rows: whole-table scans are limited to semi-joins on ids.

-- 1. Withdraw the rows of replaced files. A withdrawn row that another file repeats lives on:
--    the earliest repeat stops being a duplicate.
create or replace temp table withdrawn as
select decision_id, row_hash, metric_date, is_duplicate
from decision_rows
where file_id in (select file_id from replaced_files);

delete from decision_rows where file_id in (select file_id from replaced_files);

update decision_rows
set is_duplicate = false
where rowid in (
    select min_by(decision_rows.rowid, [decision_rows.file_id, decision_rows.line_number])
    from decision_rows
    semi join (select * from withdrawn where not is_duplicate) as lost
        using (decision_id, row_hash)
    group by decision_rows.decision_id, decision_rows.row_hash
    having bool_and(decision_rows.is_duplicate)
);

-- 2. Rule failures go to quarantine.
insert into quarantine
select 'decisions', file_id, line_number, reject_reason, record,
       getvariable('run_id'), getvariable('run_started_at')
from staged
where reject_reason is not null;

-- 3. Which accepted rows repeat a version already kept? A version is (decision_id, row_hash).
--    Only ids seen twice in this batch, or already in the warehouse, can repeat or conflict.
create or replace temp table repeated_ids as
select decision_id
from staged
where reject_reason is null
group by decision_id
having count(*) > 1;

create or replace temp table stored_ids as
select distinct decision_id
from decision_rows
semi join (select decision_id from staged where reject_reason is null) as batch
    using (decision_id);

create or replace temp table kept_versions as
select distinct decision_id, row_hash
from decision_rows
where decision_id in (select decision_id from stored_ids);

-- the first copy of each version within this batch, for the ids that repeat in it
create or replace temp table first_copies as
select
    decision_id,
    row_hash,
    min_by(file_id, [file_id, line_number]) as file_id,
    min_by(line_number, [file_id, line_number]) as line_number
from staged
where reject_reason is null
  and decision_id in (select decision_id from repeated_ids)
group by decision_id, row_hash;

-- 4. Every accepted row is stored; a repeat of a kept version is an identical duplicate: stored
--    for the accounting, counted once.
insert into decision_rows (
    decision_id, object_id, object_type, creator_id, market, policy, action, penalty, source,
    moderator_id, queue, decided_at, metric_date, row_hash, is_duplicate, file_id, line_number,
    run_id
)
select
    staged.decision_id, staged.object_id, staged.object_type, staged.creator_id,
    staged.market, staged.policy, staged.action, staged.penalty, staged.source,
    staged.moderator_id, staged.queue, staged.decided_at,
    (staged.decided_at at time zone getvariable('reporting_timezone'))::date,
    staged.row_hash,
    kept_versions.decision_id is not null
        or (first_copies.decision_id is not null
            and not (first_copies.file_id = staged.file_id
                     and first_copies.line_number = staged.line_number)),
    staged.file_id, staged.line_number, getvariable('run_id')
from staged
left join kept_versions
    on kept_versions.decision_id = staged.decision_id
    and kept_versions.row_hash = staged.row_hash
left join first_copies
    on first_copies.decision_id = staged.decision_id
    and first_copies.row_hash = staged.row_hash
where staged.reject_reason is null;

-- 5. Re-judge the ids that can have changed: two versions make a conflicting duplicate (all
--    its versions are rejected); a replaced file that leaves one version resolves the conflict.
create or replace temp table touched_decisions as
select decision_id from repeated_ids
union
select decision_id from stored_ids
union
select decision_id from withdrawn;

create or replace temp table version_counts as
select decision_id, count(distinct row_hash) as versions
from decision_rows
where decision_id in (select decision_id from touched_decisions)
group by decision_id;

delete from conflicting_decisions
where decision_id in (select decision_id from touched_decisions)
  and decision_id not in (select decision_id from version_counts where versions > 1);

insert into conflicting_decisions
select decision_id, getvariable('run_started_at'), getvariable('run_id')
from version_counts
where versions > 1
  and decision_id not in (select decision_id from conflicting_decisions);

-- 6. Days to recompute: those of this run's decisions, and those the touched ids were on.
insert into stale_metric_days
select distinct (decided_at at time zone getvariable('reporting_timezone'))::date
from staged
where reject_reason is null
union
select metric_date from withdrawn
union
select metric_date
from decision_rows
where decision_id in (select decision_id from touched_decisions);
