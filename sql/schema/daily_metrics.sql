-- daily_metrics: additive quantities only (counts, weight sums, squared-weight sums), so that any
-- roll-up (market-day, week, policy, machine vs human) is a sum. Rates are derived, never stored.
-- Grain: (metric_date, market, policy, source, object_type, queue).
create table if not exists daily_metrics (
    metric_date date not null,
    market varchar not null,
    policy varchar not null,
    source varchar not null,
    object_type varchar not null,
    queue varchar not null,                          -- 'unspecified' when not delivered
    decisions bigint not null,
    penalties bigint not null,
    no_actions bigint not null,
    appealed_penalties bigint not null,
    overturned_penalties bigint not null,
    appealed_no_actions bigint not null,
    overturned_no_actions bigint not null,
    pending_appeals bigint not null,
    audited_penalties bigint not null,
    audited_no_actions bigint not null,
    audited_penalty_weight double not null,          -- sum of sample_weight, audited penalties
    audited_penalty_weight_sq double not null,       -- sum of sample_weight^2, audited penalties
    non_violating_penalty_weight double not null,    -- ... of those judged non_violating
    audited_no_action_weight double not null,
    audited_no_action_weight_sq double not null,
    violating_no_action_weight double not null,      -- ... of audited no_actions judged violating
    run_id varchar not null
);
