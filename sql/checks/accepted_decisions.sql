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
where file_id between list_min(getvariable('batch_file_ids'))
    and list_max(getvariable('batch_file_ids'))  -- lets DuckDB skip the other files' rows
  and file_id in (select unnest(getvariable('batch_file_ids')))
