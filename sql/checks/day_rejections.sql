-- day_rejections: per decision day, the share of the decision rows of run run_id's files (every
-- file when every_day) that were rejected. A rejected row counts on the day of its decided_at,
-- where that can be read and is not in the future (the others have no decision day; the
-- per-file share covers them), in the zone of the market its record names (macros.sql
-- market_day), else the reporting time zone. Variables: run_id, every_day, reporting_timezone,
-- market_timezones (checks/market_timezones.sql), run_started_at, first_file_id
-- (checks/first_file_id.sql: the bound lets DuckDB skip older files' rows).
with checked_files as (
    select file_id
    from file_manifest
    where kind = 'decisions'
      and status = 'ingested'
      and (run_id = getvariable('run_id') or getvariable('every_day'))
),

rejected_times as (
    select
        upper(clean_text(json_extract_string(record, '$.market'))) as market,
        parse_timestamp(clean_text(json_extract_string(record, '$.decided_at'))) as decided_at
    from rejected_rows
    where source_table = 'decisions'
      and file_id >= getvariable('first_file_id')
      and file_id in (select file_id from checked_files)
),

rejected as (
    select
        coalesce(
            market_day(market, decided_at),  -- NULL for a market not in market_timezones
            (decided_at at time zone getvariable('reporting_timezone'))::date
        ) as metric_date
    from rejected_times
    where decided_at <= getvariable('run_started_at')
),

accepted as (
    select metric_date
    from decision_rows
    where file_id >= getvariable('first_file_id')
      and file_id in (select file_id from checked_files)
      and not is_duplicate
      and not is_conflicting
),

rows_by_day as (
    select metric_date, true as is_rejected from rejected where metric_date is not null
    union all
    select metric_date, false from accepted
)

select
    metric_date,
    count(*) as rows,
    count(*) filter (where is_rejected) as rejected,
    count(*) filter (where is_rejected) / count(*) as rejected_share
from rows_by_day
group by metric_date
order by metric_date
