-- audits: the audit that counts for each decision: latest audited_at, ties to the highest audit_id.
-- Grain: decision_id. Includes orphans (decision not in the warehouse yet).
create table if not exists audits (
    decision_id varchar not null,
    audit_id varchar not null,
    audited_at timestamptz not null,
    verdict varchar not null,              -- violating | non_violating
    auditor_id varchar,
    sample_weight double not null,
    file_id bigint not null,
    run_id varchar not null
);
