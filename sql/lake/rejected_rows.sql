-- lake/rejected_rows: every rejected row with its reason (view `rejected_rows`), for the Parquet
-- lake. Grain: one row per rejected row, as in the view. Partitions: metric_date = the day of
-- rejected_at in the reporting time zone (the day the pipeline rejected it: a rejected row may
-- have no usable date of its own); market = the row's own market when its record holds one of
-- the markets (any case, surrounding spaces), else 'unknown' (appeals, audits, malformed lines,
-- decisions with a missing or other market).
-- Variables: first_day, last_day, markets (warehouse/vocabulary.py MARKETS).
with placed as (
    select
        source_table,
        file_id,
        source_file,
        line_number,
        reason,
        record,
        rejected_at,
        run_id,
        (rejected_at at time zone (select reporting_timezone from warehouse_info))::date
            as metric_date,
        -- records are JSON made by the pipeline; the guard keeps one odd record from failing all
        upper(clean_text(
            case when json_valid(record) then json_extract_string(record, '$.market') end
        )) as record_market
    from rejected_rows
)

select
    source_table,
    file_id,
    source_file,
    line_number,
    reason,
    record,
    rejected_at,
    run_id,
    metric_date,
    -- the market list as macros.sql is_market reads it, not the macro: the lake reads the
    -- published warehouse, which may have been published before that macro existed
    case
        when list_contains(getvariable('markets')::varchar[], record_market) then record_market
        else 'unknown'
    end as market
from placed
where metric_date between getvariable('first_day') and getvariable('last_day')
