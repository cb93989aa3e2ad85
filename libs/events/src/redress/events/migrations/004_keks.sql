-- Key-encryption keys (KEKs) by id; their secrets live only in the keyset file, never here.
-- Each data key names the KEK it is wrapped under. A rotation deletes the old KEK's row in
-- the transaction of its last re-wrap; the foreign key makes that fail while any data key
-- (one a process with a stale keyset has just wrapped, say) still needs the old KEK.
CREATE TABLE IF NOT EXISTS keyring.keks (
    kek_id     text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Data keys wrapped before keysets existed are under the legacy master key, which
-- `redress keys init` (or dev mode) adopts as the KEK `initial`.
INSERT INTO keyring.keks (kek_id) VALUES ('initial') ON CONFLICT DO NOTHING;

ALTER TABLE keyring.data_keys
    ADD COLUMN IF NOT EXISTS kek_id text NOT NULL DEFAULT 'initial'
    REFERENCES keyring.keks (kek_id);
ALTER TABLE keyring.data_keys ALTER COLUMN kek_id DROP DEFAULT;
CREATE INDEX IF NOT EXISTS data_keys_kek ON keyring.data_keys (kek_id);

-- (UPDATE only for the row lock a rotation takes on the KEKs it retires.)
GRANT SELECT, INSERT, UPDATE, DELETE ON keyring.keks TO redress_intake;
GRANT SELECT ON keyring.keks TO redress_cases, redress_referral;
-- Intake leads the scheduled rotation, which re-wraps data keys in place.
GRANT UPDATE (wrapped, kek_id) ON keyring.data_keys TO redress_intake;
