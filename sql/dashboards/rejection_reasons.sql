-- Data quality: rejected rows per reason, with the number of files they came from.
-- Grain: (source_table, reason). Input: the rows of rejections.sql (one per reason and file,
-- registered by the site builder as dashboard_rejections), so rejected_rows is read once.
select
    source_table,
    reason,
    sum(rejected_rows)::bigint as rejected_rows,
    count(*) as files  -- one row per file of the reason
from dashboard_rejections
group by all
order by rejected_rows desc, source_table, reason;
