-- decisions: the accepted moderation decisions, one row per decision_id.
-- Identical duplicates are counted once; conflicting duplicates (a decision_id delivered with
-- different values) are left out: their rows are flagged is_conflicting (schema/decision_rows.sql).
create or replace view decisions as
select
    decision_id,
    object_id,
    object_type,
    creator_id,
    market,
    policy,
    action,
    penalty,
    source,
    moderator_id,
    queue,
    decided_at,
    metric_date,
    file_id,
    run_id
from decision_rows
where not is_duplicate and not is_conflicting;
