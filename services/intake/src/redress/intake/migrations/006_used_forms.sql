-- Report forms already sent (single-use forms): a hash of the form id, never the id itself,
-- and the receipt's reference and proof (not secret). Rows older than a day are deleted as
-- new forms are used; the form id expires after a day anyway.
CREATE TABLE used_forms (
    form_hash text PRIMARY KEY,
    tenant    text NOT NULL,
    reference text,
    proof     text,
    used_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX used_forms_used_at ON used_forms (used_at);
