-- conflicting_decisions: decision ids delivered with different values; all their versions are rejected.
-- Grain: decision_id.
create table if not exists conflicting_decisions (
    decision_id varchar not null,
    detected_at timestamptz not null,
    run_id varchar not null
);
