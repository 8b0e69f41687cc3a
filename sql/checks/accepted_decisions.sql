-- accepted_decisions: the decisions some ingested files contributed, as a validation batch.
-- Variables: batch_file_ids.
select
    decision_id,
    object_id,
    object_type,
    creator_id,
    market,
    policy,
    action,
    source,
    decided_at
from decisions
where file_id in (select unnest(getvariable('batch_file_ids')))
