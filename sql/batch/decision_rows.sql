-- decision_rows (batch): every accepted decision row of a whole landing folder, as the
-- incremental ingest/merge_decisions.sql leaves them after reading the same files in file order:
-- both flag identical duplicates with the rule of sql/macros.sql is_identical_duplicate, and the
-- versions of conflicting decisions with is_conflicting_version.
-- The Spark engine runs it (translated); tests/test_spark.py checks both give the same tables.
-- Reads staged_decisions (sql/staging/stg_decisions.sql over every file).
-- Variables: market_timezones, run_id.
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
    market_day(market, decided_at) as metric_date,
    row_hash,
    is_identical_duplicate(decision_id, row_hash, file_id, line_number) as is_duplicate,
    file_id,
    line_number,
    getvariable('run_id') as run_id,
    is_conflicting_version(decision_id, row_hash) as is_conflicting
from staged_decisions
where reject_reason is null
