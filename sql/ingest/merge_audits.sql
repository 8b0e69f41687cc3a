-- merge_audits: put this run's QA audits into the warehouse and refresh the audit that counts
-- for each decision. Reads temp tables staged (this run's rows through
-- sql/staging/stg_audits.sql) and replaced_files. Writes quarantine, audit_rows, audits,
-- restated_decisions. Variables: run_id, run_started_at, market_timezones, recent_days_from
-- (recent_days_from.sql).
-- The rules are those the Spark engine applies to the whole history (sql/batch/), stated once in
-- sql/macros.sql: is_identical_duplicate and counting_audits. This file only chooses the rows a
-- run can change, hands them to the rules, and writes the verdicts in place.

-- 1. Withdraw the rows of replaced files. Their ids are judged again in step 3: a withdrawn row
--    that another file repeats lives on, as its earliest repeat.
create or replace temp table withdrawn as
select audit_id, decision_id
from audit_rows
where file_id in (select file_id from replaced_files);

delete from audit_rows where file_id in (select file_id from replaced_files);

-- 2. Rule failures go to quarantine.
insert into quarantine
select 'audits', file_id, line_number, reject_reason, record,
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
    audit_id,
    row_hash,
    file_id,
    line_number
from audit_rows
semi join (select audit_id from staged where reject_reason is null) as batch using (audit_id);

create or replace temp table repeatable_ids as
select audit_id
from staged
where reject_reason is null
group by audit_id
having count(*) > 1
union
select audit_id from stored_repeats
union
select audit_id from withdrawn;

create or replace temp table judged as
with versions as (
    -- stored: the rows of the batch's ids (stored_repeats), and of a withdrawn id the batch
    -- does not deliver (looked up only then: none on a run that replaces no file)
    select * from stored_repeats
    union all
    select rowid, is_duplicate, audit_id, row_hash, file_id, line_number
    from audit_rows
    where audit_id in (
        select audit_id from withdrawn
        except
        select audit_id from staged where reject_reason is null
    )
    union all
    select
        null,
        null,
        audit_id,
        row_hash,
        file_id,
        line_number
    from staged
    where reject_reason is null
      and audit_id in (select audit_id from repeatable_ids)
)

select
    row_id,
    was_duplicate,
    file_id,
    line_number,
    is_identical_duplicate(audit_id, row_hash, file_id, line_number) as is_duplicate
from versions;

-- a stored row whose verdict changed (the earliest repeat of a withdrawn row) flips
update audit_rows
set is_duplicate = not is_duplicate
where rowid in (select row_id from judged where is_duplicate <> was_duplicate);

-- Every accepted row is stored; an identical duplicate is stored for the accounting, counted
-- once.
insert into audit_rows (
    audit_id, decision_id, audited_at, verdict, auditor_id, sample_weight, row_hash,
    is_duplicate, file_id, line_number, run_id
)
select
    staged.audit_id,
    staged.decision_id,
    staged.audited_at,
    staged.verdict,
    staged.auditor_id,
    staged.sample_weight,
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

-- 4. The audit that counts for every decision this run touched. An audit_id re-delivered
--    with other values (even another decision) counts once, as its latest version; the
--    decisions it moved away from are touched too.
create or replace temp table touched_audit_ids as
select audit_id from staged where reject_reason is null
union
select audit_id from withdrawn;

create or replace temp table touched_audit_decisions as
select distinct decision_id
from audit_rows
where audit_id in (select audit_id from touched_audit_ids)
union
select decision_id from withdrawn
union
select decision_id from audits where audit_id in (select audit_id from touched_audit_ids);

-- what those decisions count for before their audit changes (late audits restate the decision
-- they refer to: cohort by decision day); the metrics step takes it off
insert into restated_decisions
select * from counted_state(touched_audit_decisions);  -- macros.sql

delete from audits where decision_id in (select decision_id from touched_audit_decisions);

insert into audits
with touched_rows as (
    -- every row of every audit that is, or was, on a touched decision: what the rule needs to
    -- judge those decisions (the others it is given are left out below)
    select *
    from audit_rows
    where audit_id in (
        select audit_id
        from audit_rows
        where decision_id in (select decision_id from touched_audit_decisions)
    )
)

select
    *,
    getvariable('run_id')
from counting_audits(touched_rows)
where decision_id in (select decision_id from touched_audit_decisions);
