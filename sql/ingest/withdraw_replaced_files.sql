-- withdraw_replaced_files: a file delivered again at the same path with new content replaces its
-- earlier version (temp table replaced_files). The earlier version's quarantined rows go; its
-- accepted rows are withdrawn by the merge of their kind, which also restates their days.
delete from quarantine where file_id in (select file_id from replaced_files);
