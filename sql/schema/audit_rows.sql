-- audit_rows: every accepted QA audit row, identical duplicates flagged.
-- Grain: (file_id, line_number).
create table if not exists audit_rows (
    audit_id varchar not null,
    decision_id varchar not null,
    audited_at timestamptz not null,
    verdict varchar not null,
    auditor_id varchar,
    sample_weight double not null,
    row_hash ubigint not null,
    is_duplicate boolean not null,         -- identical to a row kept earlier: counted once
    file_id bigint not null,
    line_number bigint,
    run_id varchar not null
);
