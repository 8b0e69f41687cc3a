-- The days of the QA feedback and appeal capture windows (the views' defaults), read before the
-- other queries and bound into theirs as $qa_first_day, $qa_last_day, $capture_first_day and
-- $capture_last_day (dashboards/site.py). The same days as the views queue_quality and
-- appeal_capture, given as constants: DuckDB then prunes the decisions' row groups to the
-- window and builds the join's hash table on the audits, not on the window's decisions.
select
    qa_first_day(null, null) as qa_first_day,
    qa_last_day(null) as qa_last_day,
    capture_first_day(null, null) as capture_first_day,
    capture_last_day(null) as capture_last_day;
