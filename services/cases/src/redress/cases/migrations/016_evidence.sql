-- The evidence of verification (redress.cases.evidence_views): what the log says of each
-- file an officer attached to a finding. Its content stays sealed in the keyring's sealed
-- files (ADR 0032); its name and digest stay sealed as the log has them.
CREATE TABLE evidence (
    case_id      text NOT NULL,
    file_id      text NOT NULL,
    finding      integer NOT NULL,  -- the case stream's version of the finding it supports
    tenant       text NOT NULL,
    content_type text NOT NULL,
    size         integer NOT NULL,
    described    jsonb NOT NULL,
    position     bigint NOT NULL,
    time         timestamptz NOT NULL,
    PRIMARY KEY (case_id, file_id)
);

-- A finding is named by its version in the case's stream (what recording it answered):
-- evidence is attached to it by that version.
ALTER TABLE findings ADD COLUMN version integer;
UPDATE findings f SET version = e.version FROM eventlog.events e WHERE e.position = f.position;
