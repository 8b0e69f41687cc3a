-- lake/daily_metrics: the additive counts (table `daily_metrics`), every column, for the Parquet
-- lake. Grain: (metric_date, market, policy, source, object_type, queue). Partitions:
-- metric_date, market. Variables: first_day, last_day (the metric days exported).
select
    policy,
    source,
    object_type,
    queue,
    decisions,
    penalties,
    no_actions,
    appealed_penalties,
    overturned_penalties,
    appealed_no_actions,
    overturned_no_actions,
    pending_appeals,
    audited_penalties,
    audited_no_actions,
    audited_penalty_weight,
    audited_penalty_weight_sq,
    non_violating_penalty_weight,
    audited_no_action_weight,
    audited_no_action_weight_sq,
    violating_no_action_weight,
    run_id,
    metric_date,
    market
from daily_metrics
where metric_date between getvariable('first_day') and getvariable('last_day')
