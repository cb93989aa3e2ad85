-- The sealed content of evidence files, written with the event that attaches each (the
-- log records only that a file exists, its name, type and size).
CREATE TABLE evidence_files (
    file_id       text PRIMARY KEY,
    assessment_id text NOT NULL,
    tenant        text NOT NULL,
    media_type    text NOT NULL,
    sealed        jsonb NOT NULL
);

-- The files attached to each answer, as the views show them.
CREATE TABLE files (
    assessment_id text NOT NULL,
    file_id       text NOT NULL,
    criterion     text NOT NULL,
    name          text NOT NULL,
    media_type    text NOT NULL,
    size          integer NOT NULL,
    added_by      text NOT NULL,
    added_at      timestamptz NOT NULL,
    PRIMARY KEY (assessment_id, file_id)
);
