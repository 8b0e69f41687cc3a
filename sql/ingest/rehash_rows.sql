-- rehash_rows: DuckDB's hash() may change between DuckDB versions, and versions of a row are
-- told apart by it; after an upgrade, recompute every stored hash with the new one so that a
-- re-delivered row is still recognised as identical. Runs when warehouse_info holds another
-- DuckDB version.
update decision_rows
set row_hash = decision_version(decision_id, object_id, object_type, creator_id, market, policy,
                                action, penalty, source, moderator_id, queue, decided_at);

update appeal_rows
set row_hash = appeal_version(appeal_id, decision_id, appealed_at, status, resolved_at);

update audit_rows
set row_hash = audit_version(audit_id, decision_id, audited_at, verdict, auditor_id,
                             sample_weight);

update warehouse_info set duckdb_version = version();
