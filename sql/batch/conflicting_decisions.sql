-- conflicting_decisions (batch): decision_ids delivered with two or more different versions;
-- every version is rejected (views/rejected_rows.sql). Reads decision_rows.
-- Variables: run_started_at, run_id.
select
    decision_id,
    getvariable('run_started_at') as detected_at,
    getvariable('run_id') as run_id
from decision_rows
group by decision_id
having count(distinct row_hash) > 1
