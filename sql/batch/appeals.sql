-- appeals (batch): the latest state of every appeal of the whole history, by the rule of
-- sql/macros.sql latest_appeal_states (which ingest/merge_appeals.sql step 5 applies to the
-- appeals a run touches). Reads appeal_rows. Variables: run_id.
select
    *,
    getvariable('run_id') as run_id
from latest_appeal_states(appeal_rows)
