-- orphan_audits: audits whose decision is not (yet) in the warehouse. Kept, not counted.
create or replace view orphan_audits as
select audits.*
from audits
anti join decisions using (decision_id);
