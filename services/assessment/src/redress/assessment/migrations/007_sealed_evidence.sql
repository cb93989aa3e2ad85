-- An answer's evidence sealed under the assessment's data key (texts and links as JSON), as
-- the log holds it; readers open it with the keyring, and nothing opens it once erased.
ALTER TABLE answers ADD COLUMN evidence_sealed jsonb;
