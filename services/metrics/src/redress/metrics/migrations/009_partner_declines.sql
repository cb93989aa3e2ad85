-- A referral the partner declined (`ReferralDeclined`) is a step of its own: the facts are
-- rebuilt from the log's start to take in the declines recorded before.
TRUNCATE tenants, sites, grievances, grievance_members, cases, referrals, facts;
DELETE FROM applied_versions WHERE projection = 'facts';
UPDATE checkpoints SET position = 0 WHERE name = 'facts';
