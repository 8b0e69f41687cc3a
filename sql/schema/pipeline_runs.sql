-- pipeline_runs: one row per successful run, with the metric days it recomputed.
create table if not exists pipeline_runs (
    run_id varchar not null,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    as_of_date date not null,
    days_recomputed integer not null,
    first_day_recomputed date,
    last_day_recomputed date
);
