-- lake/appeals: the latest state of each appeal (table `appeals`), orphans included, for the
-- Parquet lake. Grain: appeal_id. Partitions: the metric_date and market of the appeal's
-- decision, the day its metrics count it on (cohort by decision day). An orphan (its decision is
-- not in `decisions`) goes under the day of its own appealed_at in the reporting time zone and
-- market 'unknown'. Variables: first_day, last_day (the metric days exported).
with placed as (
    select
        appeals.appeal_id,
        appeals.decision_id,
        appeals.appealed_at,
        appeals.status,
        appeals.resolved_at,
        appeals.file_id,
        appeals.run_id,
        coalesce(
            decisions.metric_date,
            (appeals.appealed_at at time zone (select reporting_timezone from warehouse_info))::date
        ) as metric_date,
        coalesce(decisions.market, 'unknown') as market
    from appeals
    left join decisions using (decision_id)
)

select *
from placed
where metric_date between getvariable('first_day') and getvariable('last_day')
