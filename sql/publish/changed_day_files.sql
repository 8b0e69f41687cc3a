-- changed_day_files: the blocks of decision_rows that differ between the working warehouse
-- (catalog working) and the published file being brought up to date (catalog published), looked
-- for only on changed_days (sql/publish/changed_days.sql). Grain: (metric_date, file_id,
-- line_block), a block being `line_block` consecutive lines of one file. Method: a day is
-- restated for its late appeals and audits far more often than its decisions change, so each
-- block is summarised (rows, and an order-free hash of every row's version, duplicate and
-- conflict verdicts, line and run) and only blocks whose summaries differ are copied. Every
-- in-place change of decision_rows (a duplicate or conflict verdict, a withdrawn file, a
-- market's new time zone) changes a summary; the row hashes' recomputation after a DuckDB
-- upgrade is not looked for here (warehouse/publish.py copies the file whole then). Blocks, not
-- whole files: a conflict found later flags a few stored rows of an older file, and only their
-- blocks are copied again (at 5M decisions, 3 flags changed made a sync copy 149k rows more).
-- Variables: first_changed_day (the first of changed_days, so that DuckDB skips older days),
-- line_block (lines to a block). Macro: line_block_of, a row's block (warehouse/publish.py copies
-- the rows of the blocks found with it).
create or replace temp macro line_block_of(line_number) as
    coalesce(line_number, 0) // getvariable('line_block');

create or replace temp table changed_day_files as
with working_groups as (
    select
        metric_date,
        file_id,
        line_block_of(line_number) as line_block,
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
        line_block_of(line_number) as line_block,
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

select distinct metric_date, file_id, line_block
from differing;
