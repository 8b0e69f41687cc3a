-- lake/decisions: the accepted decisions (view `decisions`), every column, for the Parquet lake.
-- Grain: decision_id. Partitions: metric_date (the decision's day in the reporting time zone),
-- market. Variables: first_day, last_day (the metric days exported).
select
    decision_id,
    object_id,
    object_type,
    creator_id,
    policy,
    action,
    penalty,
    source,
    moderator_id,
    queue,
    decided_at,
    file_id,
    run_id,
    metric_date,
    market
from decisions
where metric_date between getvariable('first_day') and getvariable('last_day')
