-- Since when the worker says the problem has gone on (`GrievanceSubmitted.since`), shown to
-- the officer beside the category: the log holds it for every filing, so the views are
-- rebuilt from its start, as `redress replay cases.views` would.
ALTER TABLE filings ADD COLUMN since date;
TRUNCATE cases, actions, timeline, thread, lessons, grievance_data, timers, reads, filings,
    referral_cases, referral_partners, findings, determinations, evidence;
DELETE FROM applied_versions WHERE projection = 'views';
UPDATE checkpoints SET position = 0 WHERE name = 'views';
