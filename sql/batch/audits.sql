-- audits (batch): the audit that counts for each decision, as ingest/merge_audits.sql step 4
-- keeps it: an audit_id counts once, as its latest version; of several audits of one decision
-- the latest audited_at wins, ties to the highest audit_id. Reads audit_rows. Variables: run_id.
with current_versions as (
    select *
    from audit_rows
    where not is_duplicate
    qualify row_number() over (
        partition by audit_id order by audited_at desc, file_id desc, line_number desc
    ) = 1
)

select decision_id, audit_id, audited_at, verdict, auditor_id, sample_weight, file_id,
       getvariable('run_id') as run_id
from current_versions
qualify row_number() over (
    partition by decision_id order by audited_at desc, audit_id desc
) = 1
