-- appeal_versions (batch): every accepted appeal row of a whole landing folder, with whether it
-- repeats a version kept earlier and whether it was filed before its decision was taken
-- (those go to quarantine: batch/quarantine.sql; the rest are appeal_rows).
-- Reads staged_appeals (sql/staging/stg_appeals.sql over every file) and the view decisions.
-- Variables: run_id.
select
    staged.appeal_id,
    staged.decision_id,
    staged.appealed_at,
    staged.status,
    staged.resolved_at,
    staged.row_hash,
    row_number() over (
        partition by staged.appeal_id, staged.row_hash order by staged.file_id, staged.line_number
    ) > 1 as is_duplicate,
    staged.file_id,
    staged.line_number,
    getvariable('run_id') as run_id,
    coalesce(staged.appealed_at < decisions.decided_at, false) as too_early
from staged_appeals as staged
left join decisions on decisions.decision_id = staged.decision_id
where staged.reject_reason is null
