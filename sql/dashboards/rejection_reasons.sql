-- Data quality: rejected rows per reason, with the number of files they came from.
select source_table, reason, count(*) as rejected_rows, count(distinct source_file) as files
from rejected_rows
group by all
order by rejected_rows desc, source_table, reason;
