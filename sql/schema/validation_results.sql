-- validation_results: every expectation of every Great Expectations suite on every batch (an
-- ingested file, a metric day) that a run validated. Grain: (run_id, check_name, expectation,
-- partition). Analysts query its history; a failed ERROR check stops publishing.
create table if not exists validation_results (
    run_id varchar not null,
    checked_at timestamptz not null,
    asset varchar not null,                -- the asset the check guards
    check_name varchar not null,
    expectation varchar not null,          -- e.g. expect_column_values_to_be_in_set(market)
    partition varchar not null,            -- the batch: a file path or a metric day
    success boolean not null,
    status varchar not null,               -- passed | failed | error (GX itself failed)
    severity varchar not null,             -- ERROR | WARN
    observed_value varchar,
    unexpected_count bigint,
    sample varchar,                        -- a few offending values or ids, JSON text
    error varchar                          -- the exception message when status = 'error'
);
-- what the expectation asks, e.g. [0, 1]: with the sample, it says what failed in words
alter table validation_results add column if not exists rule varchar;
