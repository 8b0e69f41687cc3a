-- merge_audits: put this run's QA audits into the warehouse and refresh the audit that counts
-- for each decision. Reads temp table staged (this run's rows through sql/staging/stg_audits.sql).
-- Writes quarantine, audit_rows, audits, stale_metric_days. Variables: run_id, run_started_at.

insert into quarantine
select 'audits', file_id, line_number, reject_reason, record,
       getvariable('run_id'), getvariable('run_started_at')
from staged
where reject_reason is not null;

create or replace temp table new_versions as
with accepted as (
    select
        *,
        hash(audit_id, decision_id, audited_at, verdict, auditor_id, sample_weight) as row_hash
    from staged
    where reject_reason is null
),

first_seen as (
    select *
    from accepted
    qualify row_number() over (partition by audit_id, row_hash order by file_id, line_number) = 1
)

select first_seen.*
from first_seen
anti join audit_rows using (audit_id, row_hash);

insert into audit_rows
select audit_id, decision_id, audited_at, verdict, auditor_id, sample_weight, row_hash, file_id,
       line_number, getvariable('run_id')
from new_versions;

create or replace temp table touched_audit_decisions as
select distinct decision_id from new_versions;

delete from audits where decision_id in (select decision_id from touched_audit_decisions);

insert into audits
select decision_id, audit_id, audited_at, verdict, auditor_id, sample_weight, file_id,
       getvariable('run_id')
from audit_rows
where decision_id in (select decision_id from touched_audit_decisions)
-- several audits of one decision: the latest audited_at wins, ties to the highest audit_id
qualify row_number() over (
    partition by decision_id order by audited_at desc, audit_id desc
) = 1;

insert into stale_metric_days
select distinct metric_date
from decisions
where decision_id in (select decision_id from touched_audit_decisions);
