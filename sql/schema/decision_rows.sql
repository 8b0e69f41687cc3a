-- decision_rows: every accepted decision row (normalised), identical duplicates flagged.
-- Grain: (file_id, line_number). A version is (decision_id, row_hash): a decision_id with one
-- version is a decision; with more it is a conflicting duplicate (see conflicting_decisions) and
-- counts nowhere: each of its rows is flagged is_conflicting, so that readers (the view
-- decisions, the per-file counts) need not look every row up in conflicting_decisions.
-- Duplicates are kept so that withdrawing a replaced file loses nothing.
create table if not exists decision_rows (
    decision_id varchar not null,
    object_id varchar not null,
    object_type varchar not null,
    creator_id varchar not null,
    market varchar not null,
    policy varchar not null,
    action varchar not null,
    penalty varchar,
    source varchar not null,
    moderator_id varchar,
    queue varchar,
    decided_at timestamptz not null,
    metric_date date not null,             -- date of decided_at in the market's time zone
    row_hash ubigint not null,
    is_duplicate boolean not null,         -- identical to a row kept earlier: counted once
    file_id bigint not null,
    line_number bigint,
    run_id varchar not null,
    is_conflicting boolean not null default false  -- decision_id is in conflicting_decisions
);

-- a warehouse made before the flag gets it here, false; warehouse/runner.py apply_schema then
-- flags the rows of conflicting_decisions once (schema/flag_conflicting_rows.sql)
alter table decision_rows add column if not exists is_conflicting boolean default false;
