-- appealed_too_early (batch): the appeal rows of the whole history filed before their decision
-- was taken, with their quarantine reason and record, by the rule of sql/macros.sql
-- appealed_before_decided (which ingest/merge_appeals.sql step 4 applies too). The Spark engine
-- quarantines them (batch/quarantine.sql) and keeps the other appeal_versions as appeal_rows.
-- Reads appeal_versions (batch/appeal_versions.sql) and the view decisions.
select *
from appealed_before_decided(appeal_versions, decisions)
