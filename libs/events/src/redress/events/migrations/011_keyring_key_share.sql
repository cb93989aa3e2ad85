-- A data key is written only while its KEK is recorded, locking the KEK's row FOR KEY SHARE
-- as the foreign key's own check does (`redress.kit.crypto.Keyring.create`), in one statement
-- where a savepoint around the insert took two more round trips. PostgreSQL asks an UPDATE
-- privilege on some column of a row locked that way: intake has it (it rotates the KEKs);
-- assessment gets it on the key's id only, which a data key referring to it keeps fixed.
GRANT UPDATE (kek_id) ON keyring.keks TO redress_assessment;
