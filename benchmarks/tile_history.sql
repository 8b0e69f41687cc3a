-- tile_history: once, before the copies: the span of the stored days, and the originals' bound.
set variable span = (select max(metric_date) - min(metric_date) + 1 from daily_metrics);
set variable file_offset = 1000000;
set variable first_day = (select min(metric_date) from daily_metrics);
-- a copy's ids sort below the ids of every later copy and of the originals, as the ids of a
-- history rise with time (the generator numbers them so, as most platforms' ids do): the k-th
-- copy's first letter is k letters down ('d-00000001' -> 'c-00000001'). DuckDB skips the row
-- groups whose ids lie outside a lookup's range; a suffix would sort each copy's ids among the
-- originals' and keep every copy in range.
create or replace temp macro older_id(id) as chr(ascii(id) - getvariable('k')::integer) || id[2:];
