-- accepted_appeals: the appeal states whose winning version came from some ingested files, with
-- their decision's decided_at (NULL for orphans), as the validation batch. Variables: batch_file_ids.
select
    appeals.appeal_id,
    appeals.decision_id,
    appeals.status,
    appeals.appealed_at,
    appeals.resolved_at,
    decisions.decided_at,
    appeals.status in ('upheld', 'overturned') and appeals.resolved_at is null
        as resolved_without_resolved_at
from appeals
left join decisions using (decision_id)
where appeals.file_id between list_min(getvariable('batch_file_ids'))
    and list_max(getvariable('batch_file_ids'))  -- lets DuckDB skip the other files' rows
  and appeals.file_id in (select unnest(getvariable('batch_file_ids')))
