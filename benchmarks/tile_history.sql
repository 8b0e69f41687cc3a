-- tile_history: once, before the copies: the span of the stored days, and the originals' bound.
set variable span = (select max(metric_date) - min(metric_date) + 1 from daily_metrics);
set variable file_offset = 1000000;
set variable first_day = (select min(metric_date) from daily_metrics);
