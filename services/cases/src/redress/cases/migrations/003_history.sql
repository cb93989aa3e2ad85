-- Who acted on a case: the principal's id beside its role.
ALTER TABLE timeline ADD COLUMN actor_id text NOT NULL DEFAULT '';

-- "Oldest first" is the order grievances were filed in: the filing's time, then its place in
-- the log (cases opened in one transaction share its time).
CREATE TABLE filings (
    grievance_id text PRIMARY KEY,
    filed_at     timestamptz NOT NULL,
    position     bigint NOT NULL
);
ALTER TABLE cases ADD COLUMN opened_position bigint NOT NULL DEFAULT 0;
DROP INDEX cases_queue;
CREATE INDEX cases_queue ON cases (tenant, opened_at, opened_position);

-- The views gain what only the log holds (who acted, the worker's entries, filing times):
-- they are rebuilt from the start of the log, as `redress replay cases.views` would.
TRUNCATE cases, actions, timeline, thread, lessons, grievance_data, timers, reads, filings;
DELETE FROM applied_versions WHERE projection = 'views';
UPDATE checkpoints SET position = 0 WHERE name = 'views';
