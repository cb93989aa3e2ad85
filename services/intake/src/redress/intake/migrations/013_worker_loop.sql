-- What the status page tells the worker once their grievance is not taken up (the grounds and
-- the officer's explanation), and whether they allow the grievance officer to contact them.
ALTER TABLE grievances ADD COLUMN contact_me boolean NOT NULL DEFAULT false;
ALTER TABLE grievances ADD COLUMN grounds text;
ALTER TABLE grievances ADD COLUMN explanation text;

-- Where else a worker can go: the tenant's referral partners, learned from referral's events.
CREATE TABLE partners (
    tenant     text NOT NULL,
    partner_id text NOT NULL,
    name       text NOT NULL,
    kind       text NOT NULL,
    countries  text[] NOT NULL,
    contact    text NOT NULL,
    retired    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant, partner_id)
);

-- Consent and rejections are in the log only: the grievances are rebuilt from its start, as
-- `redress replay intake.grievances` would.
TRUNCATE grievances, thread, tenants, sites;
DELETE FROM applied_versions WHERE projection = 'grievances';
UPDATE checkpoints SET position = 0 WHERE name = 'grievances';
