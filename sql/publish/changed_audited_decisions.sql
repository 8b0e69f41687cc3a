-- changed_audited_decisions: the decisions whose audit rows differ between the working
-- warehouse (catalog working) and the published file being brought up to date (catalog published).
-- Grain: decision_id. Method: a run that changes any audit row of a decision rewrites that
-- decision's audits row with its run_id, or deletes it when no row is left
-- (sql/ingest/merge_audits.sql); so they differ exactly where the (decision_id, run_id) pair
-- of audits does. Reads two narrow columns of audits.
-- Run when the quick way (sql/publish/changed_audited_decisions_since.sql) cannot be sure: a key was deleted.
create or replace temp table changed_audited_decisions as
with working_keys as (
    select decision_id, run_id from working.audits
),

published_keys as (
    select decision_id, run_id from published.audits
),

differing as (
    (select * from working_keys except select * from published_keys)
    union all
    (select * from published_keys except select * from working_keys)
)

select distinct decision_id
from differing;
