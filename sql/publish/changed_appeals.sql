-- changed_appeals: the appeals whose rows differ between the working warehouse (catalog working)
-- and the published file being brought up to date (catalog published). Grain: appeal_id.
-- Method: a run that changes any row of an appeal (a new version, a withdrawn file, a duplicate
-- verdict, an appeal found made before its decision) rewrites its appeals row with its run_id,
-- or deletes it when no row is left (sql/ingest/merge_appeals.sql); so an appeal's rows differ
-- exactly where its (appeal_id, run_id) pair does. Reads two narrow columns of appeals.
-- Run when the quick way (sql/publish/changed_appeals_since.sql) cannot be sure: a key was deleted.
create or replace temp table changed_appeals as
with working_keys as (
    select appeal_id, run_id from working.appeals
),

published_keys as (
    select appeal_id, run_id from published.appeals
),

differing as (
    (select * from working_keys except select * from published_keys)
    union all
    (select * from published_keys except select * from working_keys)
)

select distinct appeal_id
from differing;
