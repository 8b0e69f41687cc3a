-- Data quality: per kind of file, what was read and what became of it.
select
    kind,
    count(*) as files,
    count(*) filter (where status <> 'ingested') as files_failed,
    coalesce(sum(rows), 0)::bigint as rows,
    coalesce(sum(accepted), 0)::bigint as accepted,
    coalesce(sum(rejected), 0)::bigint as rejected,
    coalesce(sum(identical_duplicates), 0)::bigint as identical_duplicates,
    max(ingested_at) as last_ingested_at
from ingested_files
group by kind
order by kind;
