-- appeal_rows: every distinct accepted version of an appeal (pending, later resolved, ...).
-- Grain: (appeal_id, row_hash).
create table if not exists appeal_rows (
    appeal_id varchar not null,
    decision_id varchar not null,
    appealed_at timestamptz not null,
    status varchar not null,
    resolved_at timestamptz,
    row_hash ubigint not null,
    file_id bigint not null,
    line_number bigint,
    run_id varchar not null
);
