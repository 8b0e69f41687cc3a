-- Data quality: rejected rows by reason and by file (counts only: records may hold ids).
select source_table, reason, source_file, count(*) as rejected_rows
from rejected_rows
group by all
order by rejected_rows desc, source_table, reason, source_file;
