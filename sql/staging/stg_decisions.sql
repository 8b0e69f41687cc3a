-- stg_decisions: this run's decision rows, normalised, with the first rule each one breaks.
-- Grain: (file_id, line_number). Reads staging.load_decisions. Variables: run_started_at.
with loaded as (
    select * from staging.load_decisions
),

cleaned as (
    select
        file_id,
        line_number,
        clean_text(decision_id) as decision_id,
        clean_text(object_id) as object_id,
        clean_text(object_type) as object_type,
        clean_text(creator_id) as creator_id,
        upper(clean_text(market)) as market,
        clean_text(policy) as policy,
        lower(clean_text(action)) as action,
        clean_text(penalty) as penalty,
        lower(clean_text(source)) as source,
        clean_text(moderator_id) as moderator_id,
        clean_text(queue) as queue,
        clean_text(decided_at) as decided_at_text,
        try_cast(clean_text(decided_at) as timestamptz) as decided_at,
        json_object(
            'decision_id', decision_id, 'object_id', object_id, 'object_type', object_type,
            'creator_id', creator_id, 'market', market, 'policy', policy, 'action', action,
            'penalty', penalty, 'source', source, 'moderator_id', moderator_id, 'queue', queue,
            'decided_at', decided_at
        )::varchar as record
    from loaded
)

select
    file_id,
    line_number,
    decision_id,
    object_id,
    object_type,
    creator_id,
    market,
    -- a no_action reviewed under no named policy still counts, under 'unspecified'
    coalesce(policy, 'unspecified') as policy,
    action,
    penalty,
    source,
    moderator_id,
    queue,
    decided_at,
    record,
    case
        when decision_id is null then 'decision_id missing'
        when object_id is null then 'object_id missing'
        when object_type is null then 'object_type missing'
        when creator_id is null then 'creator_id missing'
        when market is null then 'market missing'
        when market not in ('BR', 'LATAM', 'EMEA') then 'market not allowed'
        when action is null then 'action missing'
        when action not in ('penalize', 'no_action') then 'action not allowed'
        when source is null then 'source missing'
        when source not in ('machine', 'human') then 'source not allowed'
        when action = 'penalize' and policy is null then 'policy missing on a penalize'
        when decided_at_text is null then 'decided_at missing'
        when decided_at is null then 'decided_at unparseable'
        when decided_at > getvariable('run_started_at') then 'decided_at in the future'
    end as reject_reason
from cleaned
