-- appeal_rows: every accepted appeal row: the versions of an appeal (pending, later resolved, ...)
-- and their identical duplicates (flagged). Grain: (file_id, line_number).
create table if not exists appeal_rows (
    appeal_id varchar not null,
    decision_id varchar not null,
    appealed_at timestamptz not null,
    status varchar not null,
    resolved_at timestamptz,
    row_hash ubigint not null,
    is_duplicate boolean not null,         -- identical to a row kept earlier: counted once
    file_id bigint not null,
    line_number bigint,
    run_id varchar not null
);
