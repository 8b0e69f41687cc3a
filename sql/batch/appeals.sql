-- appeals (batch): the latest state of every appeal, as ingest/merge_appeals.sql step 5 keeps
-- it. Reads appeal_rows. Variables: run_id.
select appeal_id, decision_id, appealed_at, status, resolved_at, file_id,
       getvariable('run_id') as run_id
from appeal_rows
where not is_duplicate
-- the resolved version with the latest resolved_at wins; else the latest pending version
qualify row_number() over (
    partition by appeal_id
    order by (status <> 'pending') desc, resolved_at desc nulls last, file_id desc,
             line_number desc
) = 1
