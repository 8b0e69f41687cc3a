-- changed_day_files: the (metric_date, file_id) groups of decision_rows that differ between the
-- working warehouse (catalog working) and the published file being brought up to date (catalog
-- published), looked for only on changed_days (sql/publish/changed_days.sql). Grain:
-- (metric_date, file_id). Method: a day is restated for its late appeals and audits far more
-- often than its decisions change, so each group is summarised (rows, and an order-free hash of
-- every row's version, duplicate and conflict verdicts, line and run) and only groups whose
-- summaries differ are copied. Every in-place change of decision_rows (a duplicate or conflict
-- verdict, a withdrawn file, a market's new time zone) changes a summary; the row hashes'
-- recomputation after a DuckDB upgrade is not looked for here (warehouse/publish.py copies the
-- file whole then).
-- Variables: first_changed_day (the first of changed_days, so that DuckDB skips older days).
create or replace temp table changed_day_files as
with working_groups as (
    select
        metric_date,
        file_id,
        count(*) as n,
        bit_xor(hash(row_hash, is_duplicate, is_conflicting, line_number, run_id)) as fingerprint
    from working.decision_rows
    where metric_date >= getvariable('first_changed_day')
      and metric_date in (select metric_date from changed_days)
    group by all
),

published_groups as (
    select
        metric_date,
        file_id,
        count(*) as n,
        bit_xor(hash(row_hash, is_duplicate, is_conflicting, line_number, run_id)) as fingerprint
    from published.decision_rows
    where metric_date >= getvariable('first_changed_day')
      and metric_date in (select metric_date from changed_days)
    group by all
),

differing as (
    (select * from working_groups except select * from published_groups)
    union all
    (select * from published_groups except select * from working_groups)
)

select distinct metric_date, file_id
from differing;
