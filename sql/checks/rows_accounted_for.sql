-- rows_accounted_for: this run's files where rows read <> accepted + rejected + identical
-- duplicates. Returns the violating files; zero rows = pass. Variables: run_id, first_file_id
-- (checks/first_file_id.sql: the bound lets DuckDB skip older files' rows).
select path, rows, accepted, rejected, identical_duplicates
from ingested_files
where status = 'ingested'
  and file_id >= getvariable('first_file_id')
  and file_id in (select file_id from file_manifest where run_id = getvariable('run_id'))
  and rows <> accepted + rejected + identical_duplicates
order by path
