-- What the platform's records say about the initiative's own mechanism, from the tenant's
-- and the partner directory's events: for its self-assessment on the UN guidance.
ALTER TABLE facts_tenants
    ADD COLUMN languages   text[] NOT NULL DEFAULT '{}',
    ADD COLUMN time_frames jsonb;

CREATE TABLE facts_members (
    tenant text NOT NULL,
    org    text NOT NULL,
    PRIMARY KEY (tenant, org)
);

CREATE TABLE facts_partners (
    tenant     text NOT NULL,
    partner_id text NOT NULL,
    kind       text NOT NULL,
    countries  text[] NOT NULL,
    retired    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant, partner_id)
);
