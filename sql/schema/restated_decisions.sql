-- restated_decisions: the decisions whose counts ingestion changed since daily_metrics last
-- counted them, each with what it counted for then (macros.sql decision_outcomes; metric_date
-- NULL when it counted for nothing: a new decision, or one left out as a conflict). A durable
-- work queue, as stale_metric_days: each merge adds the decisions it is about to change, before
-- it changes them, unless they are queued already (the first state queued is the one counted);
-- the metrics step subtracts these rows, adds what the decisions count for now, and empties it.
-- A run that fails between the two carries them to the next.
create table if not exists restated_decisions (
    decision_id varchar not null,
    metric_date date,
    market varchar,
    policy varchar,
    source varchar,
    object_type varchar,
    queue varchar,
    action varchar,
    appealed boolean,
    overturned boolean,
    pending bigint,
    overturn_age bigint,
    audited boolean,
    verdict varchar,
    sample_weight double,
    audit_age bigint
);
