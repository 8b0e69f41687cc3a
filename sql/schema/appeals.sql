-- appeals: the latest state of each appeal: its resolved version with the latest resolved_at,
-- else pending. Grain: appeal_id. Includes orphans (decision not in the warehouse yet).
create table if not exists appeals (
    appeal_id varchar not null,
    decision_id varchar not null,
    appealed_at timestamptz not null,
    status varchar not null,               -- pending | upheld | overturned
    resolved_at timestamptz,
    file_id bigint not null,               -- the file the winning version came from
    run_id varchar not null
);
