-- rows_accounted_for: files where rows read <> accepted + rejected + identical duplicates.
-- Returns the violating files; zero rows = pass.
select path, rows, accepted, rejected, identical_duplicates
from ingested_files
where status = 'ingested'
  and rows <> accepted + rejected + identical_duplicates
order by path
