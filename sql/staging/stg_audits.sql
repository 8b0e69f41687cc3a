-- stg_audits: this run's QA audit rows, normalised, with the first rule each one breaks.
-- Grain: (file_id, line_number). Reads staging.load_audits. sample_weight defaults to 1.
with loaded as (
    select * from staging.load_audits
),

cleaned as (
    select
        file_id,
        line_number,
        clean_text(audit_id) as audit_id,
        clean_text(decision_id) as decision_id,
        lower(clean_text(verdict)) as verdict,
        clean_text(auditor_id) as auditor_id,
        clean_text(audited_at) as audited_at_text,
        try_cast(clean_text(audited_at) as timestamptz) as audited_at,
        clean_text(sample_weight) as sample_weight_text,
        try_cast(clean_text(sample_weight) as double) as sample_weight,
        json_object(
            'audit_id', audit_id, 'decision_id', decision_id, 'audited_at', audited_at,
            'verdict', verdict, 'auditor_id', auditor_id, 'sample_weight', sample_weight
        )::varchar as record
    from loaded
)

select
    file_id,
    line_number,
    audit_id,
    decision_id,
    audited_at,
    verdict,
    auditor_id,
    coalesce(sample_weight, 1.0) as sample_weight,
    record,
    case
        when audit_id is null then 'audit_id missing'
        when decision_id is null then 'decision_id missing'
        when verdict is null then 'verdict missing'
        when verdict not in ('violating', 'non_violating') then 'verdict not allowed'
        when audited_at_text is null then 'audited_at missing'
        when audited_at is null then 'audited_at unparseable'
        when sample_weight_text is not null and sample_weight is null
            then 'sample_weight not a number'
        when sample_weight <= 0 or not isfinite(sample_weight) then 'sample_weight not positive'
    end as reject_reason
from cleaned
