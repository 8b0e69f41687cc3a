-- appeal_file_profiles: what each appeal file of run run_id (every file when every_day) brought
-- into `appeals` (the appeal states whose winning version it holds), one row per such file,
-- for the Great Expectations suite accepted_appeals (checks/suites.py). Grain: file_id.
-- Method: one pass over those states, joined to their decision where it has arrived (orphans
-- are not judged against a decision). Each count after accepted is of states that a landing
-- rule (sql/staging/stg_appeals.sql, the count named after its reject reason) or the merge
-- (sql/ingest/merge_appeals.sql: appealed_before_decided, latest_appeal_states for a repeated
-- id) should have kept out: 0 unless ingestion has a bug. <count>_examples: up to five of their
-- appeal ids, comma-separated. Missing means NULL or blank; appealed_at is NOT NULL in appeals,
-- which cannot hold it missing. Not allowed means present and not allowed.
-- Variables: run_id, every_day, earliest_checked_appeal (optional: a bound that makes it cheaper).
with checked_files as (
    select file_id, path, rows_read
    from file_manifest
    where kind = 'appeals'
      and status = 'ingested'
      and (run_id = getvariable('run_id') or getvariable('every_day'))
),

-- only a decision taken after the earliest checked appeal can be taken after one of them; the
-- bound is a constant (sql/checks/earliest_checked_appeal.sql), so DuckDB skips older row groups
later_decisions as (
    select decision_id, decided_at
    from decisions
    where decided_at > coalesce(getvariable('earliest_checked_appeal'), '-infinity'::timestamptz)
),

accepted as (
    select
        appeals.file_id,
        appeals.appeal_id,
        clean_text(appeals.appeal_id) is null as appeal_id_missing,
        clean_text(appeals.decision_id) is null as decision_id_missing,
        clean_text(appeals.status) is null as status_missing,
        clean_text(appeals.status) is not null
            and appeals.status not in ('pending', 'upheld', 'overturned') as status_not_allowed,
        appeals.status in ('upheld', 'overturned') and appeals.resolved_at is null
            as resolved_at_missing_on_resolved,
        coalesce(appeals.resolved_at < appeals.appealed_at, false)
            as resolved_at_before_appealed_at,
        coalesce(appeals.appealed_at < decisions.decided_at, false)
            as appealed_at_before_decided_at
    from appeals
    left join later_decisions as decisions using (decision_id)
    where appeals.file_id in (select file_id from checked_files)
),

repeats as (  -- states of a file whose appeal_id another of its states has
    select
        file_id,
        sum(rows) as appeal_id_repeated,
        array_to_string(list(appeal_id order by appeal_id)[1:5], ', ')
            as appeal_id_repeated_examples
    from (
        select file_id, appeal_id, count(*) as rows
        from accepted
        group by file_id, appeal_id
        having count(*) > 1
    )
    group by file_id
)

select
    checked_files.path,
    any_value(checked_files.rows_read) as rows_read,
    count(*) as accepted,
    count(*) filter (where appeal_id_missing) as appeal_id_missing,
    count(*) filter (where decision_id_missing) as decision_id_missing,
    count(*) filter (where status_missing) as status_missing,
    coalesce(any_value(repeats.appeal_id_repeated), 0) as appeal_id_repeated,
    count(*) filter (where status_not_allowed) as status_not_allowed,
    count(*) filter (where resolved_at_missing_on_resolved) as resolved_at_missing_on_resolved,
    count(*) filter (where resolved_at_before_appealed_at) as resolved_at_before_appealed_at,
    count(*) filter (where appealed_at_before_decided_at) as appealed_at_before_decided_at,
    array_to_string(
        list(appeal_id order by appeal_id) filter (where decision_id_missing)[1:5], ', '
    ) as decision_id_missing_examples,
    array_to_string(list(appeal_id order by appeal_id) filter (where status_missing)[1:5], ', ')
        as status_missing_examples,
    any_value(repeats.appeal_id_repeated_examples) as appeal_id_repeated_examples,
    array_to_string(list(appeal_id order by appeal_id) filter (where status_not_allowed)[1:5], ', ')
        as status_not_allowed_examples,
    array_to_string(
        list(appeal_id order by appeal_id) filter (where resolved_at_missing_on_resolved)[1:5], ', '
    ) as resolved_at_missing_on_resolved_examples,
    array_to_string(
        list(appeal_id order by appeal_id) filter (where resolved_at_before_appealed_at)[1:5], ', '
    ) as resolved_at_before_appealed_at_examples,
    array_to_string(
        list(appeal_id order by appeal_id) filter (where appealed_at_before_decided_at)[1:5], ', '
    ) as appealed_at_before_decided_at_examples
from accepted
join checked_files using (file_id)
left join repeats using (file_id)
group by checked_files.file_id, checked_files.path
order by checked_files.file_id
