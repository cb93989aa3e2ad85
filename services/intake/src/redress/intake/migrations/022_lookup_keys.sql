-- Keyed hashes of workers' numbers under keys that are replaced and destroyed (ADR 40).
-- A phone number has few enough values to be tried one by one: its HMAC is as good as the
-- number to whoever holds the key. The key is a data key of the keyring (`lookup-...`,
-- wrapped by the KEK); each rotation hashes every live row again under a new one and
-- erases the old, whose wrapped bytes the rotation's new KEK then leaves unreadable.
CREATE TABLE lookup_keys (
    key_id     text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The lookup key each row's hash is under; NULL: under the key derived from the root
-- secret, as rows were written before, until the next rotation hashes them again.
ALTER TABLE sms_threads ADD COLUMN lookup_key text;
ALTER TABLE contact_keys ADD COLUMN lookup_key text;
ALTER TABLE sms_questions ADD COLUMN lookup_key text;

-- The read model kept the SMS thread's hash, which nothing read: it would outlive erasure.
DROP INDEX IF EXISTS grievances_thread;
ALTER TABLE grievances DROP COLUMN thread_key;
