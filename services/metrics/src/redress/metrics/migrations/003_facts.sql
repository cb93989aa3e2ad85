-- What the published figures are computed from, exactly: one row per grievance with the
-- codes it is counted under, and one row per fact of its handling (a stage entered, a
-- rejection's grounds, a plan's remedy type, a score...), with when it happened. Keyed by
-- the grievance's random id; no narrative, name, contact, typed text or receipt, ever.

CREATE TABLE tenants (
    tenant    text PRIMARY KEY,
    time_zone text NOT NULL
);

CREATE TABLE sites (
    tenant  text NOT NULL,
    site    text NOT NULL,
    country text NOT NULL,
    sector  text,
    tier    smallint,
    members text[] NOT NULL,
    PRIMARY KEY (tenant, site)
);

CREATE TABLE grievances (
    tenant      text NOT NULL,
    grievance   text NOT NULL,
    received_at timestamptz NOT NULL,
    channel     text NOT NULL,
    country     text,
    language    text NOT NULL,
    category    text NOT NULL,
    site        text,
    sector      text,
    tier        smallint,
    audit       text,
    PRIMARY KEY (tenant, grievance)
);

-- The member organisations whose supply chain a grievance is about: the member that filed
-- it, or every member sharing its site when it was filed.
CREATE TABLE grievance_members (
    tenant     text NOT NULL,
    grievance  text NOT NULL,
    member_org text NOT NULL,
    PRIMARY KEY (tenant, grievance, member_org)
);

CREATE TABLE cases (
    case_id   text PRIMARY KEY,
    grievance text NOT NULL
);

CREATE TABLE referrals (
    referral  text PRIMARY KEY,
    grievance text NOT NULL
);

CREATE TABLE facts (
    position  bigint NOT NULL,
    seq       smallint NOT NULL,
    tenant    text NOT NULL,
    grievance text NOT NULL,
    at        timestamptz NOT NULL,
    kind      text NOT NULL,
    code      text,
    due       date,
    PRIMARY KEY (position, seq)
);
CREATE INDEX facts_by_tenant ON facts (tenant, grievance);

-- The callback programme: audits, the callbacks they scheduled, and the calls made.
CREATE TABLE audits (
    tenant        text NOT NULL,
    audit         text NOT NULL,
    site          text NOT NULL,
    country       text NOT NULL,
    audit_date    date NOT NULL,
    workers       integer NOT NULL,
    registered_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, audit)
);

CREATE TABLE callbacks (
    tenant   text NOT NULL,
    callback text NOT NULL,
    audit    text NOT NULL,
    due_on   date NOT NULL,
    language text NOT NULL,
    PRIMARY KEY (tenant, callback)
);

CREATE TABLE calls (
    tenant       text NOT NULL,
    callback     text NOT NULL,
    audit        text NOT NULL,
    at           timestamptz NOT NULL,
    reached      boolean NOT NULL,
    retaliation  boolean NOT NULL,
    grievance    text,
    PRIMARY KEY (tenant, callback)
);
