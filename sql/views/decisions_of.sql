-- decisions_of(ids): the rows of the view decisions whose decision_id is in `ids` (a decision_id
-- column), the same rows as one lookup, found at the cost of the recent days: first among the
-- days from the variable recent_days_from on (ingest/recent_days_from.sql: where the appeal and
-- audit windows send most lookups), a constant bound that lets DuckDB skip the older row
-- groups; then among the older days, only for the ids not found there (late appeals and
-- audits, orphans). Unset, every day is recent (one lookup).
create or replace macro decisions_of(ids) as table
with recent as (
    select *
    from decisions
    where metric_date >= coalesce(getvariable('recent_days_from'), '-infinity'::date)
      and decision_id in (select decision_id from query_table(ids))
),

older as (
    select *
    from decisions
    where metric_date < coalesce(getvariable('recent_days_from'), '-infinity'::date)
      and decision_id in (
          select decision_id from query_table(ids)
          except
          select decision_id from recent
      )
)

select * from recent
union all
select * from older;
