-- key_decision_rows: fill decision_key in a warehouse made before decision_rows had it, once
-- (warehouse/runner.py apply_schema). From then on the merges write it (ingest/merge_decisions.sql)
-- and ingest/rehash_rows.sql recomputes it with the row hashes.
update decision_rows
set decision_key = decision_key(decision_id);
