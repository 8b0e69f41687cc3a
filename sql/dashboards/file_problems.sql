-- Data quality: files that failed or rejected rows, the worst share first (25 at most).
select
    path,
    kind,
    status,
    error,
    rows,
    accepted,
    rejected,
    identical_duplicates,
    rejected / nullif(rows, 0) as rejected_share,
    ingested_at
from ingested_files
where status <> 'ingested' or rejected > 0
order by status = 'ingested', rejected_share desc nulls first, path
limit 25;
