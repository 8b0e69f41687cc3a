-- stg_audits: this run's QA audit rows, normalised, with the first rule each one breaks.
-- Grain: (file_id, line_number). Reads load_audits (a view over one landing file).
-- sample_weight defaults to 1.
with loaded as (
    select * from load_audits
),

cleaned as (
    select
        loaded.file_id,
        loaded.line_number,
        clean_text(loaded.audit_id) as audit_id,
        clean_text(loaded.decision_id) as decision_id,
        lower(clean_text(loaded.verdict)) as verdict,
        clean_text(loaded.auditor_id) as auditor_id,
        clean_text(loaded.audited_at) as audited_at_text,
        parse_timestamp(clean_text(loaded.audited_at)) as audited_at,
        clean_text(loaded.sample_weight) as sample_weight_text,
        parse_number(clean_text(loaded.sample_weight)) as sample_weight,
        struct_pack(*columns(loaded.* exclude (file_id, line_number))) as raw  -- the row as read
    from loaded
),

judged as (
    select
        *,
        case
            when audit_id is null then 'audit_id missing'
            when decision_id is null then 'decision_id missing'
            when verdict is null then 'verdict missing'
            when verdict not in ('violating', 'non_violating') then 'verdict not allowed'
            when audited_at_text is null then 'audited_at missing'
            when audited_at is null then 'audited_at unparseable'
            when sample_weight_text is not null and sample_weight is null
                then 'sample_weight not a number'
            when sample_weight <= 0 or not isfinite(sample_weight)
                then 'sample_weight not positive'
        end as reject_reason,
        coalesce(sample_weight, 1.0) as weight
    from cleaned
)

select
    file_id,
    line_number,
    audit_id,
    decision_id,
    audited_at,
    verdict,
    auditor_id,
    weight as sample_weight,
    audit_version(audit_id, decision_id, audited_at, verdict, auditor_id, weight) as row_hash,
    reject_reason,
    case when reject_reason is not null then to_json(raw)::varchar end as record
from judged
