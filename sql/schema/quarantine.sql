-- quarantine: rows that broke an ingestion rule, with the first rule they broke.
-- Grain: (source_table, file_id, line_number). Conflicting duplicates are not stored here:
-- the rejected_rows view derives them from decision_rows.
create table if not exists quarantine (
    source_table varchar not null,         -- decisions | appeals | audits
    file_id bigint not null,
    line_number bigint,                    -- 1 = first data row after the header
    reason varchar not null,
    record varchar not null,               -- the row as read, JSON text
    run_id varchar not null,
    rejected_at timestamptz not null
);
