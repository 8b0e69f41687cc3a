-- decision_rows: every distinct accepted version of a decision (normalised).
-- Grain: (decision_id, row_hash). A decision_id with one version is a decision; with more it is a
-- conflicting duplicate (see conflicting_decisions) and counts nowhere.
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
    metric_date date not null,             -- date of decided_at in the reporting time zone
    row_hash ubigint not null,
    file_id bigint not null,
    line_number bigint,
    run_id varchar not null
);
