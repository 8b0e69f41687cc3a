-- audit_file_profiles: what each audit file of run run_id (every file when every_day) brought
-- into `audits` (the audits that count, one a decision), one row per such file, for the Great
-- Expectations suite accepted_audits (checks/suites.py). Grain: file_id.
-- Method: one pass over those audits. Each count after accepted is of audits that a landing rule
-- (sql/staging/stg_audits.sql, the count named after its reject reason) or the merge
-- (sql/ingest/merge_audits.sql: counting_audits, for a decision audited twice) should have kept
-- out: 0 unless ingestion has a bug. <count>_examples: up to five of their audit ids,
-- comma-separated. Missing means NULL or blank; audited_at and sample_weight are NOT NULL in
-- audits, which cannot hold them missing. Not allowed means present and not allowed.
-- Variables: run_id, every_day.
with checked_files as (
    select file_id, path, rows_read
    from file_manifest
    where kind = 'audits'
      and status = 'ingested'
      and (run_id = getvariable('run_id') or getvariable('every_day'))
),

accepted as (
    select
        file_id,
        decision_id,
        audit_id,
        clean_text(decision_id) is null as decision_id_missing,
        clean_text(audit_id) is null as audit_id_missing,
        clean_text(verdict) is null as verdict_missing,
        clean_text(verdict) is not null
            and verdict not in ('violating', 'non_violating') as verdict_not_allowed,
        not (sample_weight > 0 and isfinite(sample_weight)) as sample_weight_not_positive
    from audits
    where file_id in (select file_id from checked_files)
),

repeats as (  -- audits of a file whose decision_id another of its audits has
    select
        file_id,
        sum(rows) as decision_id_repeated,
        array_to_string(flatten(list(audit_ids order by decision_id))[1:5], ', ')
            as decision_id_repeated_examples
    from (
        select file_id, decision_id, count(*) as rows, list(audit_id order by audit_id) as audit_ids
        from accepted
        group by file_id, decision_id
        having count(*) > 1
    )
    group by file_id
)

select
    checked_files.path,
    any_value(checked_files.rows_read) as rows_read,
    count(*) as accepted,
    count(*) filter (where decision_id_missing) as decision_id_missing,
    count(*) filter (where audit_id_missing) as audit_id_missing,
    count(*) filter (where verdict_missing) as verdict_missing,
    coalesce(any_value(repeats.decision_id_repeated), 0) as decision_id_repeated,
    count(*) filter (where verdict_not_allowed) as verdict_not_allowed,
    count(*) filter (where sample_weight_not_positive) as sample_weight_not_positive,
    array_to_string(list(audit_id order by audit_id) filter (where decision_id_missing)[1:5], ', ')
        as decision_id_missing_examples,
    array_to_string(list(audit_id order by audit_id) filter (where verdict_missing)[1:5], ', ')
        as verdict_missing_examples,
    any_value(repeats.decision_id_repeated_examples) as decision_id_repeated_examples,
    array_to_string(list(audit_id order by audit_id) filter (where verdict_not_allowed)[1:5], ', ')
        as verdict_not_allowed_examples,
    array_to_string(
        list(audit_id order by audit_id) filter (where sample_weight_not_positive)[1:5], ', '
    ) as sample_weight_not_positive_examples
from accepted
join checked_files using (file_id)
left join repeats using (file_id)
group by checked_files.file_id, checked_files.path
order by checked_files.file_id
