-- Whether the worker allows the grievance officer to contact them (GrievanceSubmitted's
-- consent, then ContactConsentChanged), and the grounds a case ended on (a worker's
-- withdrawal among them).
ALTER TABLE filings ADD COLUMN contact_consented boolean NOT NULL DEFAULT false;
ALTER TABLE cases ADD COLUMN contact_consented boolean NOT NULL DEFAULT false;
ALTER TABLE cases ADD COLUMN grounds text;

-- Both are in the log only: the views are rebuilt from its start, as `redress replay
-- cases.views` would.
TRUNCATE cases, actions, timeline, thread, lessons, grievance_data, timers, reads, filings,
    referral_cases, referral_partners;
DELETE FROM applied_versions WHERE projection = 'views';
UPDATE checkpoints SET position = 0 WHERE name = 'views';
