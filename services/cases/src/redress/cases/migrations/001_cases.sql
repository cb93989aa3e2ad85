-- What the policy that opens cases needs to know about each tenant.
CREATE TABLE frames (
    tenant           text PRIMARY KEY,
    acknowledge_days integer NOT NULL,
    feedback_days    integer NOT NULL,
    plan_days        integer NOT NULL
);

CREATE TABLE sites (
    tenant     text NOT NULL,
    site_id    text NOT NULL,
    name       text NOT NULL,
    member_org text,
    PRIMARY KEY (tenant, site_id)
);

-- Read models of the officer's queue and case pages.
CREATE TABLE cases (
    case_id              text PRIMARY KEY,
    tenant               text NOT NULL,
    grievance_id         text NOT NULL,
    category             text NOT NULL,
    country              text NOT NULL,
    site_id              text,
    member_org           text,
    language             text NOT NULL,
    identity_shareable   boolean NOT NULL,
    status               text NOT NULL,
    stage                text NOT NULL,
    stage_due            date,
    deadline_missed      boolean NOT NULL DEFAULT false,
    severity             text,
    indicators           text[] NOT NULL DEFAULT '{}',
    referral_recommended boolean NOT NULL DEFAULT false,
    officer              text,
    facilitator          text,
    outcome              text,
    satisfaction         integer,
    opened_at            timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);
CREATE INDEX cases_queue ON cases (tenant, opened_at, case_id);

CREATE TABLE actions (
    case_id     text NOT NULL,
    action_id   text NOT NULL,
    remedy      text NOT NULL,
    owner       text NOT NULL,
    due_on      date NOT NULL,
    description text NOT NULL,
    progress    text,
    evidence    text,
    done        boolean NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (case_id, action_id)
);

CREATE TABLE timeline (
    case_id  text NOT NULL,
    position bigint NOT NULL,
    type     text NOT NULL,
    actor    text NOT NULL,
    details  jsonb NOT NULL,
    time     timestamptz NOT NULL,
    PRIMARY KEY (case_id, position)
);

-- Messages with the worker and internal notes, sealed as they are in the log.
CREATE TABLE thread (
    case_id  text NOT NULL,
    position bigint NOT NULL,
    author   text NOT NULL,
    sealed   jsonb NOT NULL,
    time     timestamptz NOT NULL,
    PRIMARY KEY (case_id, position)
);

CREATE TABLE lessons (
    case_id text PRIMARY KEY,
    tenant  text NOT NULL,
    text    text NOT NULL,
    tags    text[] NOT NULL
);

-- The grievance's sealed personal data, opened only for staff who may see it.
CREATE TABLE grievance_data (
    grievance_id text PRIMARY KEY,
    sealed       jsonb NOT NULL
);
