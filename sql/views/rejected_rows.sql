-- rejected_rows: every row that is not used, with why. Rule failures come from quarantine;
-- conflicting duplicates are every stored version of a conflicting decision_id.
create or replace view rejected_rows as
with rule_failures as (
    select source_table, file_id, line_number, reason, record, rejected_at, run_id
    from quarantine
),

conflict_versions as (
    select
        'decisions' as source_table,
        decision_rows.file_id,
        decision_rows.line_number,
        'conflicting duplicate' as reason,
        json_object(
            'decision_id', decision_id, 'object_id', object_id, 'object_type', object_type,
            'creator_id', creator_id, 'market', market, 'policy', policy, 'action', action,
            'penalty', penalty, 'source', source, 'moderator_id', moderator_id, 'queue', queue,
            'decided_at', decided_at
        )::varchar as record,
        conflicting_decisions.detected_at as rejected_at,
        conflicting_decisions.run_id
    from decision_rows
    -- one row per id, and a flagged row kept even without one: a query that only counts the
    -- rows (the dashboards) does not look each of them up
    left join (
        select decision_id, any_value(detected_at) as detected_at, any_value(run_id) as run_id
        from conflicting_decisions
        group by decision_id
    ) as conflicting_decisions using (decision_id)
    where decision_rows.is_conflicting and not decision_rows.is_duplicate
),

all_rejected as (
    select * from rule_failures
    union all
    select * from conflict_versions
)

select
    all_rejected.source_table,
    all_rejected.file_id,
    file_manifest.path as source_file,
    all_rejected.line_number,
    all_rejected.reason,
    all_rejected.record,
    all_rejected.rejected_at,
    all_rejected.run_id
from all_rejected
join file_manifest using (file_id);
