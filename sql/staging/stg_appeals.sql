-- stg_appeals: this run's appeal rows, normalised, with the first rule each one breaks.
-- Grain: (file_id, line_number). Reads load_appeals (a view over one landing file). The rule
-- "appealed_at before its decision's decided_at" needs the decision: ingest/merge_appeals.sql.
with loaded as (
    select * from load_appeals
),

cleaned as (
    select
        loaded.file_id,
        loaded.line_number,
        clean_text(loaded.appeal_id) as appeal_id,
        clean_text(loaded.decision_id) as decision_id,
        lower(clean_text(loaded.status)) as status,
        clean_text(loaded.appealed_at) as appealed_at_text,
        parse_timestamp(clean_text(loaded.appealed_at)) as appealed_at,
        clean_text(loaded.resolved_at) as resolved_at_text,
        parse_timestamp(clean_text(loaded.resolved_at)) as resolved_at,
        struct_pack(*columns(loaded.* exclude (file_id, line_number))) as raw  -- the row as read
    from loaded
),

judged as (
    select
        *,
        case
            when appeal_id is null then 'appeal_id missing'
            when decision_id is null then 'decision_id missing'
            when status is null then 'status missing'
            when status not in ('pending', 'upheld', 'overturned') then 'status not allowed'
            when appealed_at_text is null then 'appealed_at missing'
            when appealed_at is null then 'appealed_at unparseable'
            when resolved_at_text is not null and resolved_at is null then 'resolved_at unparseable'
            when status in ('upheld', 'overturned') and resolved_at is null
                then 'resolved_at missing on a resolved appeal'
            when resolved_at < appealed_at then 'resolved_at before appealed_at'
        end as reject_reason
    from cleaned
)

select
    file_id,
    line_number,
    appeal_id,
    decision_id,
    appealed_at,
    status,
    resolved_at,
    appeal_version(appeal_id, decision_id, appealed_at, status, resolved_at) as row_hash,
    reject_reason,
    case when reject_reason is not null then to_json(raw)::varchar end as record
from judged
