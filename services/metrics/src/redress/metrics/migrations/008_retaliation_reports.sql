-- A retaliation report is received as a grievance is (its case is counted wherever a case
-- counts): the facts are rebuilt from the log's start to take in the reports made before,
-- as `redress replay metrics.facts` would.
TRUNCATE tenants, sites, grievances, grievance_members, cases, referrals, facts;
DELETE FROM applied_versions WHERE projection = 'facts';
UPDATE checkpoints SET position = 0 WHERE name = 'facts';
