-- quarantine (batch): the rows of a whole landing folder that broke an ingestion rule, with the
-- first rule they broke: the staging rules (sql/staging/), then an appeal filed before its
-- decision was taken (batch/appealed_too_early.sql, by the rule ingest/merge_appeals.sql step 4
-- applies too). Malformed CSV lines are added by the engine that reads the files. Reads
-- staged_decisions, staged_appeals, staged_audits, appealed_too_early.
-- Variables: run_id, run_started_at.
with failures as (
    select 'decisions' as source_table, file_id, line_number, reject_reason as reason, record
    from staged_decisions
    where reject_reason is not null
    union all
    select 'appeals', file_id, line_number, reject_reason, record
    from staged_appeals
    where reject_reason is not null
    union all
    select 'audits', file_id, line_number, reject_reason, record
    from staged_audits
    where reject_reason is not null
    union all
    select 'appeals', file_id, line_number, reason, record
    from appealed_too_early
)

select
    source_table, file_id, line_number, reason, record,
    getvariable('run_id') as run_id,
    getvariable('run_started_at') as rejected_at
from failures
