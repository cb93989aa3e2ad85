-- The files a worker sent with their grievance (redress.cases.attachments): what the log
-- says of each. Their content stays sealed in the keyring's sealed files (ADR 0032).
CREATE TABLE attachments (
    case_id       text NOT NULL,
    attachment_id text NOT NULL,
    grievance_id  text NOT NULL,
    tenant        text NOT NULL,
    content_type  text NOT NULL,
    size          integer NOT NULL,
    position      bigint NOT NULL,
    time          timestamptz NOT NULL,
    PRIMARY KEY (case_id, attachment_id)
);
