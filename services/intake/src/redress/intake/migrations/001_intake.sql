-- Projections (rebuilt from the log) ---------------------------------------------------

CREATE TABLE tenants (
    tenant text PRIMARY KEY,
    name   text NOT NULL
);

CREATE TABLE sites (
    tenant     text NOT NULL,
    site_id    text NOT NULL,
    name       text NOT NULL,
    country    text NOT NULL,
    member_org text,
    PRIMARY KEY (tenant, site_id)
);

CREATE TABLE grievances (
    grievance_id     text PRIMARY KEY,
    tenant           text NOT NULL,
    reference        text NOT NULL,
    receipt_hash     text NOT NULL,
    filed_digest     text NOT NULL,
    key_id           text NOT NULL,
    status           text NOT NULL,
    stage            text NOT NULL DEFAULT 'received',
    stage_due        date,
    case_id          text,
    language         text NOT NULL,
    channel          text NOT NULL,
    country          text NOT NULL,
    site_id          text,
    category         text NOT NULL,
    member_org       text,
    member_reference text,
    thread_key       text,
    attachments      integer NOT NULL DEFAULT 0,
    version          integer NOT NULL,
    submitted_at     timestamptz NOT NULL,
    UNIQUE (tenant, reference)
);
CREATE INDEX grievances_thread ON grievances (tenant, thread_key) WHERE thread_key IS NOT NULL;

CREATE TABLE thread (
    grievance_id text NOT NULL,
    position     bigint NOT NULL,
    author       text NOT NULL,
    sealed       jsonb NOT NULL,
    time         timestamptz NOT NULL,
    PRIMARY KEY (grievance_id, position)
);

-- Operational state (not in the log) ---------------------------------------------------

-- The sealed content of attachments; the log records only that they exist.
CREATE TABLE attachments (
    attachment_id text PRIMARY KEY,
    grievance_id  text NOT NULL,
    tenant        text NOT NULL,
    content_type  text NOT NULL,
    sealed        jsonb NOT NULL
);
CREATE INDEX attachments_grievance ON attachments (grievance_id);

-- The first answer to each Idempotency-Key, per caller.
CREATE TABLE idempotency (
    tenant     text NOT NULL,
    principal  text NOT NULL,
    key        text NOT NULL,
    body_hash  text NOT NULL,
    status     integer,
    response   jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, principal, key)
);

-- Failed receipt guesses, per reference.
CREATE TABLE receipt_guards (
    tenant       text NOT NULL,
    reference    text NOT NULL,
    failures     integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    PRIMARY KEY (tenant, reference)
);
