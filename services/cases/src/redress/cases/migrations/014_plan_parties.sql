-- Which member company, supplier (its site id) or facilitator owns each plan action
-- (PlanActionAdded version 2; ADR 34): suppliers and facilitators reach their cases by it.
ALTER TABLE actions ADD COLUMN owner_org text;
CREATE INDEX actions_owners ON actions (owner, owner_org);

-- An action added before it was recorded belongs to the case's party of its kind as the
-- case stood then, which only the log tells: the views are rebuilt from its start, as
-- `redress replay cases.views` would.
TRUNCATE cases, actions, timeline, thread, lessons, grievance_data, timers, reads, filings,
    referral_cases, referral_partners, findings, determinations;
DELETE FROM applied_versions WHERE projection = 'views';
UPDATE checkpoints SET position = 0 WHERE name = 'views';
