-- conflicting_decisions (batch): the decision_ids of the whole history delivered with two or
-- more versions, by the rule of sql/macros.sql conflicting_decision_ids, which
-- ingest/merge_decisions.sql applies to the ids a run touches; every version is rejected
-- (views/rejected_rows.sql). Reads decision_rows. Variables: run_started_at, run_id.
select
    decision_id,
    getvariable('run_started_at') as detected_at,
    getvariable('run_id') as run_id
from conflicting_decision_ids(decision_rows)
