-- merge_audits: put this run's QA audits into the warehouse and refresh the audit that counts
-- for each decision. Reads temp tables staged (this run's rows through
-- sql/staging/stg_audits.sql) and replaced_files. Writes quarantine, audit_rows, audits,
-- stale_metric_days. Variables: run_id, run_started_at.

-- 1. Withdraw the rows of replaced files; the earliest repeat of a withdrawn row takes its place.
create or replace temp table withdrawn as
select audit_id, decision_id, row_hash, is_duplicate
from audit_rows
where file_id in (select file_id from replaced_files);

delete from audit_rows where file_id in (select file_id from replaced_files);

update audit_rows
set is_duplicate = false
where rowid in (
    select min_by(audit_rows.rowid, [audit_rows.file_id, audit_rows.line_number])
    from audit_rows
    semi join (select * from withdrawn where not is_duplicate) as lost using (audit_id, row_hash)
    group by audit_rows.audit_id, audit_rows.row_hash
    having bool_and(audit_rows.is_duplicate)
);

-- 2. Rule failures go to quarantine.
insert into quarantine
select 'audits', file_id, line_number, reject_reason, record,
       getvariable('run_id'), getvariable('run_started_at')
from staged
where reject_reason is not null;

-- 3. Which accepted rows repeat a version already kept? A version is (audit_id, row_hash).
--    Only ids seen twice in this batch, or already in the warehouse, can repeat.
create or replace temp table repeated_ids as
select audit_id
from staged
where reject_reason is null
group by audit_id
having count(*) > 1;

create or replace temp table kept_versions as
select distinct audit_id, row_hash
from audit_rows
semi join (select audit_id from staged where reject_reason is null) as batch using (audit_id);

create or replace temp table first_copies as
select
    audit_id,
    row_hash,
    min_by(file_id, [file_id, line_number]) as file_id,
    min_by(line_number, [file_id, line_number]) as line_number
from staged
where reject_reason is null
  and audit_id in (select audit_id from repeated_ids)
group by audit_id, row_hash;

-- Every accepted row is stored; a repeat of a kept version is an identical duplicate.
insert into audit_rows (
    audit_id, decision_id, audited_at, verdict, auditor_id, sample_weight, row_hash, is_duplicate, file_id, line_number, run_id
)
select
    staged.audit_id,
    staged.decision_id,
    staged.audited_at,
    staged.verdict,
    staged.auditor_id,
    staged.sample_weight,
    staged.row_hash,
    kept_versions.audit_id is not null
        or (first_copies.audit_id is not null
            and not (first_copies.file_id = staged.file_id
                     and first_copies.line_number = staged.line_number)),
    staged.file_id, staged.line_number, getvariable('run_id')
from staged
left join kept_versions
    on kept_versions.audit_id = staged.audit_id
    and kept_versions.row_hash = staged.row_hash
left join first_copies
    on first_copies.audit_id = staged.audit_id
    and first_copies.row_hash = staged.row_hash
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

delete from audits where decision_id in (select decision_id from touched_audit_decisions);

insert into audits
with current_versions as (
    -- the latest version of every audit that is, or was, on a touched decision
    select *
    from audit_rows
    where not is_duplicate
      and audit_id in (
          select audit_id from audit_rows
          where decision_id in (select decision_id from touched_audit_decisions)
      )
    qualify row_number() over (
        partition by audit_id order by audited_at desc, file_id desc, line_number desc
    ) = 1
)

select decision_id, audit_id, audited_at, verdict, auditor_id, sample_weight, file_id,
       getvariable('run_id')
from current_versions
where decision_id in (select decision_id from touched_audit_decisions)
-- several audits of one decision: the latest audited_at wins, ties to the highest audit_id
qualify row_number() over (
    partition by decision_id order by audited_at desc, audit_id desc
) = 1;

-- 5. Late audits restate the day of the decision they refer to (cohort by decision day).
insert into stale_metric_days
select distinct metric_date
from decisions
where decision_id in (select decision_id from touched_audit_decisions);
