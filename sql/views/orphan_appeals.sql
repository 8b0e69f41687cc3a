-- orphan_appeals: appeals whose decision is not (yet) in the warehouse. Kept, not counted; they
-- count as soon as their decision arrives.
create or replace view orphan_appeals as
select appeals.*
from appeals
anti join decisions using (decision_id);
