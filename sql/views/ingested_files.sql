-- ingested_files: the manifest analysts read. For every file whose status is 'ingested':
-- rows = accepted + rejected + identical_duplicates. The counts are derived from where the rows
-- are now, so a decision that later turns out to conflict moves from accepted to rejected.
create or replace view ingested_files as
with stored as (
    select
        file_id,
        count(*) filter (where not is_duplicate and not is_conflicting) as accepted,
        count(*) filter (where not is_duplicate and is_conflicting) as conflicting,
        count(*) filter (where is_duplicate) as identical_duplicates
    from decision_rows
    group by file_id
    union all
    select file_id, count(*) filter (where not is_duplicate), 0, count(*) filter (where is_duplicate)
    from appeal_rows
    group by file_id
    union all
    select file_id, count(*) filter (where not is_duplicate), 0, count(*) filter (where is_duplicate)
    from audit_rows
    group by file_id
),

quarantined as (
    select file_id, count(*) as rejected from quarantine group by file_id
)

select
    file_manifest.file_id,
    file_manifest.kind,
    file_manifest.path,
    file_manifest.size_bytes,
    file_manifest.content_sha256,
    file_manifest.status,
    file_manifest.error,
    file_manifest.rows_read as rows,
    coalesce(stored.accepted, 0) as accepted,
    coalesce(quarantined.rejected, 0) + coalesce(stored.conflicting, 0) as rejected,
    coalesce(stored.identical_duplicates, 0) as identical_duplicates,
    file_manifest.ingested_at,
    file_manifest.run_id
from file_manifest
left join stored using (file_id)
left join quarantined using (file_id);
