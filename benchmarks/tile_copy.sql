-- tile_copy: copy k of the original stored history (file_id < file_offset), span * k days
-- earlier, with ids and file ids of its own. Variables: k, span, file_offset, first_day.
set variable days = (getvariable('span') * getvariable('k'))::integer;
set variable shift = to_days(getvariable('days'));
set variable suffix = '~' || getvariable('k');
set variable plus = getvariable('file_offset') * getvariable('k');

insert into file_manifest
select * replace (file_id + getvariable('plus') as file_id, path || getvariable('suffix') as path)
from file_manifest where file_id < getvariable('file_offset');

insert into quarantine
select * replace (file_id + getvariable('plus') as file_id)
from quarantine where file_id < getvariable('file_offset');

insert into decision_rows
select * replace (
    older_id(decision_id) as decision_id,
    decided_at - getvariable('shift') as decided_at,
    metric_date - getvariable('days') as metric_date,
    file_id + getvariable('plus') as file_id
)
from decision_rows where file_id < getvariable('file_offset');

insert into conflicting_decisions
select * replace (older_id(decision_id) as decision_id)
from conflicting_decisions where decision_id like 'd%';

insert into appeal_rows
select * replace (
    older_id(appeal_id) as appeal_id,
    older_id(decision_id) as decision_id,
    appealed_at - getvariable('shift') as appealed_at,
    resolved_at - getvariable('shift') as resolved_at,
    file_id + getvariable('plus') as file_id
)
from appeal_rows where file_id < getvariable('file_offset');

insert into appeals
select * replace (
    older_id(appeal_id) as appeal_id,
    older_id(decision_id) as decision_id,
    appealed_at - getvariable('shift') as appealed_at,
    resolved_at - getvariable('shift') as resolved_at,
    file_id + getvariable('plus') as file_id
)
from appeals where file_id < getvariable('file_offset');

insert into audit_rows
select * replace (
    older_id(audit_id) as audit_id,
    older_id(decision_id) as decision_id,
    audited_at - getvariable('shift') as audited_at,
    file_id + getvariable('plus') as file_id
)
from audit_rows where file_id < getvariable('file_offset');

insert into audits
select * replace (
    older_id(audit_id) as audit_id,
    older_id(decision_id) as decision_id,
    audited_at - getvariable('shift') as audited_at,
    file_id + getvariable('plus') as file_id
)
from audits where file_id < getvariable('file_offset');

insert into daily_metrics
select * replace (metric_date - getvariable('days') as metric_date)
from daily_metrics where metric_date >= getvariable('first_day');

insert into overturn_development
select * replace (metric_date - getvariable('days') as metric_date)
from overturn_development where metric_date >= getvariable('first_day');

insert into audit_development
select * replace (metric_date - getvariable('days') as metric_date)
from audit_development where metric_date >= getvariable('first_day');
