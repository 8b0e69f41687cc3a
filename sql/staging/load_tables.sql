-- load tables: the shape of a landing file as the staging SQL reads it, every value as text.
-- Temporary (this connection only). Empty: they give `staged` its columns; then each file is
-- read through a view of the same name over that file (assets/landing.py).
create or replace temp table load_decisions (
    file_id bigint, line_number bigint,
    decision_id varchar, object_id varchar, object_type varchar, creator_id varchar,
    market varchar, policy varchar, action varchar, penalty varchar, source varchar,
    moderator_id varchar, queue varchar, decided_at varchar
);

create or replace temp table load_appeals (
    file_id bigint, line_number bigint,
    appeal_id varchar, decision_id varchar, appealed_at varchar, status varchar,
    resolved_at varchar
);

create or replace temp table load_audits (
    file_id bigint, line_number bigint,
    audit_id varchar, decision_id varchar, audited_at varchar, verdict varchar,
    auditor_id varchar, sample_weight varchar
);

-- CSV lines that could not be split into the header's columns, waiting for quarantine.
create or replace temp table malformed_lines (
    kind varchar, file_id bigint, line_number bigint, record varchar
);
