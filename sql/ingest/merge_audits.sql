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

-- 3. Every accepted row is stored; rows identical to a kept version are identical duplicates.
create or replace temp table accepted as
select
    *,
    hash(audit_id, decision_id, audited_at, verdict, auditor_id, sample_weight) as row_hash
from staged
where reject_reason is null;

create or replace temp table kept_versions as
select distinct audit_id, row_hash
from audit_rows
where audit_id in (select audit_id from accepted);

insert into audit_rows (
    audit_id, decision_id, audited_at, verdict, auditor_id, sample_weight, row_hash,
    is_duplicate, file_id, line_number, run_id
)
select
    accepted.audit_id, accepted.decision_id, accepted.audited_at, accepted.verdict,
    accepted.auditor_id, accepted.sample_weight, accepted.row_hash,
    kept_versions.audit_id is not null
        or row_number() over (
            partition by accepted.audit_id, accepted.row_hash
            order by accepted.file_id, accepted.line_number
        ) > 1,
    accepted.file_id, accepted.line_number, getvariable('run_id')
from accepted
left join kept_versions
    on kept_versions.audit_id = accepted.audit_id
    and kept_versions.row_hash = accepted.row_hash;

-- 4. The audit that counts for every decision this run touched.
create or replace temp table touched_audit_decisions as
select decision_id from accepted
union
select decision_id from withdrawn;

delete from audits where decision_id in (select decision_id from touched_audit_decisions);

insert into audits
select decision_id, audit_id, audited_at, verdict, auditor_id, sample_weight, file_id,
       getvariable('run_id')
from audit_rows
where decision_id in (select decision_id from touched_audit_decisions)
  and not is_duplicate
-- several audits of one decision: the latest audited_at wins, ties to the highest audit_id (and
-- two versions of one audit_id at the same moment: the one delivered last)
qualify row_number() over (
    partition by decision_id
    order by audited_at desc, audit_id desc, file_id desc, line_number desc
) = 1;

-- 5. Late audits restate the day of the decision they refer to (cohort by decision day).
insert into stale_metric_days
select distinct metric_date
from decisions
where decision_id in (select decision_id from touched_audit_decisions);
