-- decision_file_profiles: what each decision file of run run_id (every file when every_day)
-- brought into `decisions`, one row per file with accepted decisions, for the Great Expectations
-- suite accepted_decisions (checks/suites.py). Grain: file_id.
-- Method: one pass over the files' accepted decisions (the `decisions` view: identical
-- duplicates counted once, conflicting ids left out). Each count after last_decided_at is of
-- accepted rows that a landing rule (sql/staging/stg_decisions.sql, the count named after its
-- reject reason) or the merge (sql/ingest/merge_decisions.sql, for a repeated id) should have
-- kept out: 0 unless ingestion has a bug. <count>_examples: up to five of those rows' decision
-- ids, comma-separated (none for a missing id). Missing means NULL or blank; decided_at is NOT
-- NULL in decision_rows, which cannot hold it missing. Not allowed means present and not allowed.
-- Variables: run_id, every_day, run_started_at, markets (is_market).
with checked_files as (
    select file_id, path, rows_read
    from file_manifest
    where kind = 'decisions'
      and status = 'ingested'
      and (run_id = getvariable('run_id') or getvariable('every_day'))
),

accepted as (
    select
        file_id,
        decision_id,
        decided_at,
        clean_text(decision_id) is null as decision_id_missing,
        clean_text(object_id) is null as object_id_missing,
        clean_text(object_type) is null as object_type_missing,
        clean_text(creator_id) is null as creator_id_missing,
        clean_text(market) is null as market_missing,
        clean_text(policy) is null as policy_missing,
        clean_text(action) is null as action_missing,
        clean_text(source) is null as source_missing,
        clean_text(market) is not null and not is_market(market) as market_not_allowed,
        clean_text(action) is not null
            and action not in ('penalize', 'no_action') as action_not_allowed,
        clean_text(source) is not null
            and source not in ('machine', 'human') as source_not_allowed,
        decided_at > getvariable('run_started_at') as decided_at_in_the_future
    from decisions
    where file_id in (select file_id from checked_files)
),

repeats as (  -- accepted rows of a file whose decision_id another of its accepted rows has
    select
        file_id,
        sum(rows) as decision_id_repeated,
        array_to_string(list(decision_id order by decision_id)[1:5], ', ')
            as decision_id_repeated_examples
    from (
        select file_id, decision_id, count(*) as rows
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
    min(decided_at) as first_decided_at,
    max(decided_at) as last_decided_at,
    count(*) filter (where decision_id_missing) as decision_id_missing,
    count(*) filter (where object_id_missing) as object_id_missing,
    count(*) filter (where object_type_missing) as object_type_missing,
    count(*) filter (where creator_id_missing) as creator_id_missing,
    count(*) filter (where market_missing) as market_missing,
    count(*) filter (where policy_missing) as policy_missing,
    count(*) filter (where action_missing) as action_missing,
    count(*) filter (where source_missing) as source_missing,
    coalesce(any_value(repeats.decision_id_repeated), 0) as decision_id_repeated,
    count(*) filter (where market_not_allowed) as market_not_allowed,
    count(*) filter (where action_not_allowed) as action_not_allowed,
    count(*) filter (where source_not_allowed) as source_not_allowed,
    count(*) filter (where decided_at_in_the_future) as decided_at_in_the_future,
    array_to_string(
        list(decision_id order by decision_id) filter (where object_id_missing)[1:5], ', '
    ) as object_id_missing_examples,
    array_to_string(
        list(decision_id order by decision_id) filter (where object_type_missing)[1:5], ', '
    ) as object_type_missing_examples,
    array_to_string(
        list(decision_id order by decision_id) filter (where creator_id_missing)[1:5], ', '
    ) as creator_id_missing_examples,
    array_to_string(list(decision_id order by decision_id) filter (where market_missing)[1:5], ', ')
        as market_missing_examples,
    array_to_string(list(decision_id order by decision_id) filter (where policy_missing)[1:5], ', ')
        as policy_missing_examples,
    array_to_string(list(decision_id order by decision_id) filter (where action_missing)[1:5], ', ')
        as action_missing_examples,
    array_to_string(list(decision_id order by decision_id) filter (where source_missing)[1:5], ', ')
        as source_missing_examples,
    any_value(repeats.decision_id_repeated_examples) as decision_id_repeated_examples,
    array_to_string(
        list(decision_id order by decision_id) filter (where market_not_allowed)[1:5], ', '
    ) as market_not_allowed_examples,
    array_to_string(
        list(decision_id order by decision_id) filter (where action_not_allowed)[1:5], ', '
    ) as action_not_allowed_examples,
    array_to_string(
        list(decision_id order by decision_id) filter (where source_not_allowed)[1:5], ', '
    ) as source_not_allowed_examples,
    array_to_string(
        list(decision_id order by decision_id) filter (where decided_at_in_the_future)[1:5], ', '
    ) as decided_at_in_the_future_examples
from accepted
join checked_files using (file_id)
left join repeats using (file_id)
group by checked_files.file_id, checked_files.path
order by checked_files.file_id
