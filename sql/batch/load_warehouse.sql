-- load_warehouse: replace the ingestion and metric tables with what the Spark engine computed
-- (Parquet under getvariable('spark_output')/<table>/), in the caller's transaction. Reads temp
-- table spark_files (the files Spark was given). Variables: spark_output, run_id,
-- run_started_at. Row hashes are recomputed by DuckDB afterwards (ingest/rehash_rows.sql).
-- A file read before keeps its file_id (assets/spark/engine.py plan_files), the run that first
-- read it and when; a row it rejected before keeps when and by which run.
create or replace temp table earlier_files as
select file_id, run_id, ingested_at from file_manifest;

create or replace temp table earlier_rejections as
select file_id, line_number, reason, any_value(run_id) as run_id,
       any_value(rejected_at) as rejected_at
from quarantine
group by all;

delete from file_manifest;
delete from quarantine;
delete from decision_rows;
delete from conflicting_decisions;
delete from appeal_rows;
delete from appeals;
delete from audit_rows;
delete from audits;
delete from daily_metrics;
delete from overturn_development;
delete from audit_development;
delete from stale_metric_days;
delete from restated_decisions;

insert into file_manifest by name
select
    spark_files.file_id, kind, path, size_bytes, modified_at, content_sha256, status, error,
    case when status = 'ingested' then coalesce(rows_read.rows_read, 0) end as rows_read,
    coalesce(earlier_files.run_id, getvariable('run_id')) as run_id,
    coalesce(earlier_files.ingested_at, getvariable('run_started_at')) as ingested_at
from spark_files
left join read_parquet(getvariable('spark_output') || '/rows_read/*.parquet') as rows_read
    using (file_id)
left join earlier_files using (file_id);

insert into quarantine by name
select
    restated.* replace (
        coalesce(earlier_rejections.run_id, restated.run_id) as run_id,
        coalesce(earlier_rejections.rejected_at, restated.rejected_at) as rejected_at
    )
from read_parquet(getvariable('spark_output') || '/quarantine/*.parquet') as restated
left join earlier_rejections using (file_id, line_number, reason);

insert into decision_rows by name
select * replace (0::ubigint as row_hash)
from read_parquet(getvariable('spark_output') || '/decision_rows/*.parquet');

insert into conflicting_decisions by name
select * from read_parquet(getvariable('spark_output') || '/conflicting_decisions/*.parquet');

insert into appeal_rows by name
select * replace (0::ubigint as row_hash)
from read_parquet(getvariable('spark_output') || '/appeal_rows/*.parquet');

insert into appeals by name
select * from read_parquet(getvariable('spark_output') || '/appeals/*.parquet');

insert into audit_rows by name
select * replace (0::ubigint as row_hash)
from read_parquet(getvariable('spark_output') || '/audit_rows/*.parquet');

insert into audits by name
select * from read_parquet(getvariable('spark_output') || '/audits/*.parquet');

insert into daily_metrics by name
select * from read_parquet(getvariable('spark_output') || '/daily_metrics/*.parquet');

insert into overturn_development by name
select * from read_parquet(getvariable('spark_output') || '/overturn_development/*.parquet');

insert into audit_development by name
select * from read_parquet(getvariable('spark_output') || '/audit_development/*.parquet');
