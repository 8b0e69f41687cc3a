-- file_manifest: one row per landing file seen, whatever became of it.
-- Grain: file_id. Written by the ingest assets; read through the ingested_files view.
create table if not exists file_manifest (
    file_id bigint not null,
    kind varchar not null,                 -- decisions | appeals | audits
    path varchar not null,                 -- absolute path of the file when it was read
    size_bytes bigint not null,
    content_sha256 varchar not null,
    status varchar not null,               -- ingested | failed | same_content | replaced
    error varchar,                         -- why it failed, which file had the same content,
                                           -- or which file replaced it
    rows_read bigint,                      -- data rows in the file (NULL when it could not be read)
    run_id varchar not null,
    ingested_at timestamptz not null
);

-- When the file was last modified, as the file system said: with path and size, it lets a run
-- skip hashing a file it has already read (cost follows the new files, not the history).
alter table file_manifest add column if not exists modified_at timestamptz;
