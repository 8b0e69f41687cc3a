-- file_rejections: the share of rows each file of run run_id rejected (every file when
-- every_day). Variables: run_id, every_day, first_file_id (checks/first_file_id.sql: the bound
-- lets DuckDB skip older files' rows, which ingested_files would otherwise count).
select
    path,
    kind,
    rows,
    rejected,
    rejected / nullif(rows, 0) as rejected_share
from ingested_files
where status = 'ingested'
  and file_id >= getvariable('first_file_id')
  and (run_id = getvariable('run_id') or getvariable('every_day'))
