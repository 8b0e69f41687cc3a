-- Data quality: the latest run's validation, one row per check and expectation, failures first.
with latest as (
    select run_id from validation_results order by checked_at desc limit 1
)

select
    check_name,
    asset,
    severity,
    expectation,
    count(*) as batches,
    count(*) filter (where status = 'failed') as failed,
    count(*) filter (where status = 'error') as errors,
    coalesce(sum(unexpected_count), 0)::bigint as unexpected_rows,
    max(checked_at) as checked_at
from validation_results
where run_id = (select run_id from latest)
group by all
order by failed + errors desc, severity, check_name, expectation;
