-- lake/audits: the audit that counts for each decision (table `audits`), orphans included, for
-- the Parquet lake. Grain: decision_id. Partitions: the metric_date and market of the audited
-- decision, the day its metrics count it on (cohort by decision day). An orphan (its decision is
-- not in `decisions`) goes under the day of its own audited_at in the reporting time zone and
-- market 'unknown'. Variables: first_day, last_day (the metric days exported).
with placed as (
    select
        audits.decision_id,
        audits.audit_id,
        audits.audited_at,
        audits.verdict,
        audits.auditor_id,
        audits.sample_weight,
        audits.file_id,
        audits.run_id,
        coalesce(
            decisions.metric_date,
            (audits.audited_at at time zone (select reporting_timezone from warehouse_info))::date
        ) as metric_date,
        coalesce(decisions.market, 'unknown') as market
    from audits
    left join decisions using (decision_id)
)

select *
from placed
where metric_date between getvariable('first_day') and getvariable('last_day')
