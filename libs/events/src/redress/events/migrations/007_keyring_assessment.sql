-- Assessment seals the evidence files members upload under a data key per assessment
-- (`redress.kit.crypto.evidence_key_id`), in the keyring every service shares (ADR 0013).
-- Numbered 007: 006 is taken by the metrics service's migration.
GRANT USAGE ON SCHEMA keyring TO redress_assessment;
GRANT SELECT, INSERT ON keyring.data_keys TO redress_assessment;
GRANT SELECT, INSERT ON keyring.keks TO redress_assessment;
