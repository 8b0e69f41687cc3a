-- changed_audited_decisions (the quick way): the decisions whose audits row a run has written
-- since the published file being brought up to date (catalog published) was last synced: the
-- audits rows of the working warehouse (catalog working) whose run_id the published file's
-- pipeline_runs does not know. Grain: decision_id. Method: a run that changes any audit row of
-- a decision rewrites that decision's audits row with its run_id (sql/ingest/merge_audits.sql),
-- so these are all the changes but the deleted ones. warehouse/publish.py then compares the
-- sizes of the rest, and runs the whole comparison (sql/publish/changed_audited_decisions.sql)
-- when they differ (a decision's audits deleted).
create or replace temp table changed_audited_decisions as
select distinct decision_id
from working.audits
where run_id not in (select run_id from published.pipeline_runs);
