-- When each report was tied to its number: a number's reports are told, changed and sent
-- receipts newest first by it. A grievance's id grows with time only when it is new: one
-- that a member's reference names is keyed on it, so that the reference files it once.
-- Rows from before know no time: they come first, in the order of their ids, as before.
ALTER TABLE contact_keys ADD COLUMN filed_at timestamptz NOT NULL DEFAULT '-infinity';
ALTER TABLE contact_keys ALTER COLUMN filed_at SET DEFAULT clock_timestamp();
ALTER TABLE sms_threads ADD COLUMN filed_at timestamptz NOT NULL DEFAULT '-infinity';
ALTER TABLE sms_threads ALTER COLUMN filed_at SET DEFAULT clock_timestamp();
