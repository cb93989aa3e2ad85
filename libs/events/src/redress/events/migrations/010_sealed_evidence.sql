-- Cases seals the files an officer gathers while verifying a grievance (photos, recordings,
-- documents) under the grievance's data key, as intake seals the worker's own (ADR 0032):
-- the service that seals a file stores it. Cases never deletes one; erasing the key does.
GRANT INSERT ON keyring.sealed_files TO redress_cases;
