-- stg_decisions: this run's decision rows, normalised, with the first rule each one breaks.
-- Grain: (file_id, line_number). Reads load_decisions (a view over one landing file).
-- Variables: run_started_at, markets (warehouse/vocabulary.py MARKETS, read by is_market).
with loaded as (
    select * from load_decisions
),

cleaned as (
    select
        loaded.file_id,
        loaded.line_number,
        clean_text(loaded.decision_id) as decision_id,
        clean_text(loaded.object_id) as object_id,
        clean_text(loaded.object_type) as object_type,
        clean_text(loaded.creator_id) as creator_id,
        upper(clean_text(loaded.market)) as market,
        clean_text(loaded.policy) as policy,
        lower(clean_text(loaded.action)) as action,
        clean_text(loaded.penalty) as penalty,
        lower(clean_text(loaded.source)) as source,
        clean_text(loaded.moderator_id) as moderator_id,
        clean_text(loaded.queue) as queue,
        clean_text(loaded.decided_at) as decided_at_text,
        parse_timestamp(clean_text(loaded.decided_at)) as decided_at,
        struct_pack(*columns(loaded.* exclude (file_id, line_number))) as raw  -- the row as read
    from loaded
),

judged as (
    select
        *,
        case
            when decision_id is null then 'decision_id missing'
            when object_id is null then 'object_id missing'
            when object_type is null then 'object_type missing'
            when creator_id is null then 'creator_id missing'
            when market is null then 'market missing'
            when not is_market(market) then 'market not allowed'
            when action is null then 'action missing'
            when action not in ('penalize', 'no_action') then 'action not allowed'
            when source is null then 'source missing'
            when source not in ('machine', 'human') then 'source not allowed'
            when action = 'penalize' and policy is null then 'policy missing on a penalize'
            when decided_at_text is null then 'decided_at missing'
            when decided_at is null then 'decided_at unparseable'
            when decided_at > getvariable('run_started_at') then 'decided_at in the future'
        end as reject_reason,
        -- a no_action reviewed under no named policy still counts, under 'unspecified'
        coalesce(policy, 'unspecified') as reported_policy
    from cleaned
)

select
    file_id,
    line_number,
    decision_id,
    object_id,
    object_type,
    creator_id,
    market,
    reported_policy as policy,
    action,
    penalty,
    source,
    moderator_id,
    queue,
    decided_at,
    -- a version of a decision: its normalised content
    decision_version(decision_id, object_id, object_type, creator_id, market, reported_policy,
                     action, penalty, source, moderator_id, queue, decided_at) as row_hash,
    reject_reason,
    case when reject_reason is not null then to_json(raw)::varchar end as record
from judged
