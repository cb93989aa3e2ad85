-- A reply typed after the worker's session ended, waiting while they open the report again
-- (`reply_drafts.py`). Sealed under a key that only the worker's browser holds, in a cookie:
-- once that cookie is gone (ten minutes at most), what is left here and in the WAL is noise.
-- One draft per grievance (`owner`, a keyed hash of it): the next replaces it.
CREATE TABLE reply_drafts (
    draft_id   text PRIMARY KEY,
    owner      text NOT NULL UNIQUE,
    tenant     text NOT NULL,
    sealed     bytea NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX reply_drafts_expiry ON reply_drafts (expires_at);
