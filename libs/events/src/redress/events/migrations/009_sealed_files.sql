-- Sealed files (a worker's photos, voice notes and PDFs), kept in the keyring beside the
-- data key that seals them (ADR 0032). The service that seals a file stores it here; a
-- service that may open the key may read the file by its id, as it reads sealed fields of
-- the log. Deleting the key deletes its files with it: erasure cannot leave one behind.
CREATE TABLE IF NOT EXISTS keyring.sealed_files (
    file_id      text PRIMARY KEY,
    key_id       text NOT NULL REFERENCES keyring.data_keys (key_id) ON DELETE CASCADE,
    tenant       text NOT NULL,
    content_type text NOT NULL,
    sealed       jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sealed_files_key ON keyring.sealed_files (key_id);

GRANT SELECT, INSERT, DELETE ON keyring.sealed_files TO redress_intake;
GRANT SELECT ON keyring.sealed_files TO redress_cases;
