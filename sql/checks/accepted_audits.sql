-- accepted_audits: the audits that count, taken from some ingested files, as a validation batch.
-- Variables: batch_file_ids.
select
    decision_id,
    audit_id,
    audited_at,
    verdict,
    sample_weight
from audits
where file_id in (select unnest(getvariable('batch_file_ids')))
