-- last_run_results: what the last pipeline run's checks found, for `modmetrics validate
-- --last-run` (a failed run publishes nothing, so its results are read from the working file).
-- Grain: as validation_results, one row per expectation and batch of that one run.
-- Method: the last run is the one that recorded the latest result, leaving out the runs of
-- `modmetrics validate` (their ids start with validate-).
with last_run as (
    select run_id
    from validation_results
    where not starts_with(run_id, 'validate-')
    order by checked_at desc
    limit 1
)

select
    run_id,
    checked_at,
    check_name,
    expectation,
    partition,
    status,
    observed_value,
    unexpected_count,
    sample,
    error,
    rule
from validation_results
where run_id = (select run_id from last_run)
order by checked_at, check_name, partition, expectation
