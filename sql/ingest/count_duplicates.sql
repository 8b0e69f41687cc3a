-- count_duplicates: per file of this run, the accepted rows that were identical to a version
-- already kept (earlier in the file, in another file, or in an earlier run).
-- Reads temp tables staged and new_versions of the kind being merged.
update file_manifest
set identical_duplicates = counts.accepted - counts.kept
from (
    select
        staged.file_id,
        count(*) filter (where staged.reject_reason is null) as accepted,
        (select count(*) from new_versions where new_versions.file_id = staged.file_id) as kept
    from staged
    group by staged.file_id
) as counts
where file_manifest.file_id = counts.file_id;
