-- Data keys of personal data, wrapped by the master key. Deleting a row erases the data
-- it sealed (crypto-shredding); the log itself is never changed.
CREATE SCHEMA IF NOT EXISTS keyring;

CREATE TABLE IF NOT EXISTS keyring.data_keys (
    key_id     text PRIMARY KEY,
    tenant     text NOT NULL,
    wrapped    bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

GRANT USAGE ON SCHEMA keyring TO redress_intake, redress_cases, redress_referral;
GRANT SELECT, INSERT, DELETE ON keyring.data_keys TO redress_intake;
GRANT SELECT ON keyring.data_keys TO redress_cases, redress_referral;
