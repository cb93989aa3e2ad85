-- What the platform's records say about each member's mechanism, from cases' and intake's
-- events (never from their tables): one row per case of a member organisation.
CREATE TABLE facts_cases (
    case_id         text PRIMARY KEY,
    tenant          text NOT NULL,
    org             text NOT NULL,
    grievance_id    text NOT NULL,
    language        text NOT NULL,
    opened_at       timestamptz NOT NULL,
    ack_due         date,
    acknowledged_at timestamptz,
    plan_actions    integer NOT NULL DEFAULT 0,
    closed_at       timestamptz,
    satisfaction_at timestamptz,
    lessons_at      timestamptz
);
CREATE INDEX facts_cases_org ON facts_cases (tenant, org, opened_at);
CREATE INDEX facts_cases_grievance ON facts_cases (grievance_id);

-- The channel each grievance came by (all that is read of a filing).
CREATE TABLE facts_channels (
    grievance_id text PRIMARY KEY,
    tenant       text NOT NULL,
    channel      text NOT NULL
);

-- Each tenant's time zone: days are counted in it.
CREATE TABLE facts_tenants (
    tenant    text PRIMARY KEY,
    time_zone text NOT NULL
);
