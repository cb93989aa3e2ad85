-- Calls made to each worker: an unreached worker is called again, up to the tenant's number
-- of attempts. Callbacks completed before counted one call.
ALTER TABLE callbacks ADD COLUMN attempts integer NOT NULL DEFAULT 0;
UPDATE callbacks SET attempts = 1 WHERE completed_at IS NOT NULL;
