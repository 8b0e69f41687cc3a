-- audits (batch): the audit that counts for each decision of the whole history, by the rule of
-- sql/macros.sql counting_audits (which ingest/merge_audits.sql step 4 applies to the decisions
-- a run touches). Reads audit_rows. Variables: run_id.
select
    *,
    getvariable('run_id') as run_id
from counting_audits(audit_rows)
