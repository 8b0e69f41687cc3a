-- flag_conflicting_rows: flag the rows of every conflicting decision_id, once, in a warehouse
-- made before decision_rows had is_conflicting (warehouse/runner.py apply_schema). From then
-- on the merges keep the flag (ingest/merge_decisions.sql step 5).
update decision_rows
set is_conflicting = true
where decision_id in (select decision_id from conflicting_decisions);
