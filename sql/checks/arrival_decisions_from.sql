-- arrival_decisions_from: the variable arrival_decisions_from, the first day among whose
-- decisions sql/checks/market_days.sql looks first for the decisions of the appeals and audits
-- that arrived in its window: that window's first day (the earliest day of run run_id's
-- decisions, every day's when every_day, less trailing_days and a day for the zones) less
-- arrival_window_days (the days after its decision an appeal or audit usually arrives within)
-- and a day. A constant, so DuckDB skips older row groups; market_days.sql looks among the older
-- days only for the decisions not found there, so it is only a bound that makes the check cheap.
-- NULL when the run brought no decision (no bound). Variables: run_id, every_day,
-- first_file_id (sql/checks/first_file_id.sql), trailing_days, arrival_window_days.
set variable arrival_decisions_from = (
    select
        min(metric_date)
        - getvariable('trailing_days')::integer
        - getvariable('arrival_window_days')::integer
        - 2
    from decision_rows
    where file_id >= getvariable('first_file_id')
      and (run_id = getvariable('run_id') or getvariable('every_day'))
);
