-- accepted_audits: the audits that count, taken from some ingested files, as a validation batch.
-- Variables: batch_file_ids.
select
    decision_id,
    audit_id,
    audited_at,
    verdict,
    sample_weight
from audits
where file_id between list_min(getvariable('batch_file_ids'))
    and list_max(getvariable('batch_file_ids'))  -- lets DuckDB skip the other files' rows
  and file_id in (select unnest(getvariable('batch_file_ids')))
