-- audit_development: the lag data of the audit completeness. Additive counts: the audits of
-- each cohort (decision metric_date x segment x action) by development age, the days from
-- metric_date to the day the audit arrived (its audited_at in the market's time zone).
-- Rewritten with daily_metrics, for the same stale days, in the same transaction.
-- Grain: (metric_date, market, policy, source, object_type, queue, action, development_age).
create table if not exists audit_development (
    metric_date date not null,
    market varchar not null,
    policy varchar not null,
    source varchar not null,
    object_type varchar not null,
    queue varchar not null,
    action varchar not null,                 -- penalize | no_action
    development_age integer not null,        -- days from metric_date to the audit's audited date
    audits bigint not null,                  -- decisions of the cohort audited at that age
    run_id varchar not null
);
