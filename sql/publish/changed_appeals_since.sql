-- changed_appeals (the quick way): the appeals a run has written since the published file being
-- brought up to date (catalog published) was last synced: the appeals rows of the working
-- warehouse (catalog working) whose run_id the published file's pipeline_runs does not know.
-- Grain: appeal_id. Method: a run that changes any row of an appeal rewrites its appeals row
-- with its run_id (sql/ingest/merge_appeals.sql), so these are all the changes but the deleted
-- appeals. warehouse/publish.py then compares the sizes of the rest: every other working row is
-- in the published file as it is, so the two rests are equal unless an appeal was deleted, and
-- then the whole comparison runs (sql/publish/changed_appeals.sql). Reads only the new runs'
-- rows of appeals, and pipeline_runs, where changed_appeals.sql reads every appeal of both.
create or replace temp table changed_appeals as
select distinct appeal_id
from working.appeals
where run_id not in (select run_id from published.pipeline_runs);
