-- audit_rows (batch): every accepted QA audit row of a whole landing folder, as
-- ingest/merge_audits.sql leaves them after reading the same files in file order: both flag
-- identical duplicates with the rule of sql/macros.sql is_identical_duplicate.
-- Reads staged_audits (sql/staging/stg_audits.sql over every file). Variables: run_id.
select
    audit_id,
    decision_id,
    audited_at,
    verdict,
    auditor_id,
    sample_weight,
    row_hash,
    is_identical_duplicate(audit_id, row_hash, file_id, line_number) as is_duplicate,
    file_id,
    line_number,
    getvariable('run_id') as run_id
from staged_audits
where reject_reason is null
