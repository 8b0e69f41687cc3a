-- audit_rows: every distinct accepted QA audit row. Grain: (audit_id, row_hash).
create table if not exists audit_rows (
    audit_id varchar not null,
    decision_id varchar not null,
    audited_at timestamptz not null,
    verdict varchar not null,
    auditor_id varchar,
    sample_weight double not null,
    row_hash ubigint not null,
    file_id bigint not null,
    line_number bigint,
    run_id varchar not null
);
