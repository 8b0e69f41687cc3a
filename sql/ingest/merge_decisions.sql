-- merge_decisions: put this run's decisions into the warehouse.
-- Reads temp tables staged (this run's rows through sql/staging/stg_decisions.sql) and
-- replaced_files. Writes quarantine (rule failures), decision_rows, conflicting_decisions and
-- stale_metric_days. Variables: run_id, run_started_at, reporting_timezone.

-- 1. Withdraw the rows of replaced files. A withdrawn row that another file repeats lives on:
--    the earliest repeat stops being a duplicate.
create or replace temp table withdrawn as
select decision_id, row_hash, metric_date, is_duplicate
from decision_rows
where file_id in (select file_id from replaced_files);

delete from decision_rows where file_id in (select file_id from replaced_files);

update decision_rows
set is_duplicate = false
where rowid in (
    select min_by(decision_rows.rowid, [decision_rows.file_id, decision_rows.line_number])
    from decision_rows
    semi join (select * from withdrawn where not is_duplicate) as lost
        using (decision_id, row_hash)
    group by decision_rows.decision_id, decision_rows.row_hash
    having bool_and(decision_rows.is_duplicate)
);

-- 2. Rule failures go to quarantine.
insert into quarantine
select 'decisions', file_id, line_number, reject_reason, record,
       getvariable('run_id'), getvariable('run_started_at')
from staged
where reject_reason is not null;

-- 3. Every accepted row is stored. A version is the normalised content of a decision; a row
--    identical to a version already kept (earlier in this batch, or in an earlier run) is an
--    identical duplicate: stored for the accounting, counted once.
create or replace temp table accepted as
select
    *,
    hash(decision_id, object_id, object_type, creator_id, market, policy, action, penalty,
         source, moderator_id, queue, decided_at) as row_hash
from staged
where reject_reason is null;

create or replace temp table kept_versions as
select distinct decision_id, row_hash
from decision_rows
where decision_id in (select decision_id from accepted);

insert into decision_rows (
    decision_id, object_id, object_type, creator_id, market, policy, action, penalty, source,
    moderator_id, queue, decided_at, metric_date, row_hash, is_duplicate, file_id, line_number,
    run_id
)
select
    accepted.decision_id, accepted.object_id, accepted.object_type, accepted.creator_id,
    accepted.market, accepted.policy, accepted.action, accepted.penalty, accepted.source,
    accepted.moderator_id, accepted.queue, accepted.decided_at,
    (accepted.decided_at at time zone getvariable('reporting_timezone'))::date,
    accepted.row_hash,
    kept_versions.decision_id is not null
        or row_number() over (
            partition by accepted.decision_id, accepted.row_hash
            order by accepted.file_id, accepted.line_number
        ) > 1,
    accepted.file_id, accepted.line_number, getvariable('run_id')
from accepted
left join kept_versions
    on kept_versions.decision_id = accepted.decision_id
    and kept_versions.row_hash = accepted.row_hash;

-- 4. Re-judge every touched decision_id: two versions make a conflicting duplicate (all its
--    versions are rejected); a replaced file that leaves one version resolves the conflict.
create or replace temp table touched_decisions as
select decision_id from accepted
union
select decision_id from withdrawn;

create or replace temp table version_counts as
select decision_id, count(distinct row_hash) as versions
from decision_rows
where decision_id in (select decision_id from touched_decisions)
group by decision_id;

delete from conflicting_decisions
where decision_id in (select decision_id from touched_decisions)
  and decision_id not in (select decision_id from version_counts where versions > 1);

insert into conflicting_decisions
select decision_id, getvariable('run_started_at'), getvariable('run_id')
from version_counts
where versions > 1
  and decision_id not in (select decision_id from conflicting_decisions);

-- 5. Every day a touched decision lands on, or landed on before, must be recomputed.
insert into stale_metric_days
select metric_date from withdrawn
union
select metric_date
from decision_rows
where decision_id in (select decision_id from touched_decisions);
