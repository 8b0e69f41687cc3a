-- appeal_versions (batch): every accepted appeal row of a whole landing folder, with whether it
-- repeats a version kept earlier (sql/macros.sql is_identical_duplicate, as
-- ingest/merge_appeals.sql flags it). Those filed before their decision was taken are then
-- taken out (batch/appealed_too_early.sql); the rest are appeal_rows.
-- Reads staged_appeals (sql/staging/stg_appeals.sql over every file). Variables: run_id.
select
    appeal_id,
    decision_id,
    appealed_at,
    status,
    resolved_at,
    row_hash,
    is_identical_duplicate(appeal_id, row_hash, file_id, line_number) as is_duplicate,
    file_id,
    line_number,
    getvariable('run_id') as run_id
from staged_appeals
where reject_reason is null
