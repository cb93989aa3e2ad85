-- Post-audit callback campaigns (projection `campaigns`, rebuilt from the audit streams) ----

CREATE TABLE audits (
    audit_id      text PRIMARY KEY,
    tenant        text NOT NULL,
    site_id       text NOT NULL,
    country       text NOT NULL,
    audit_date    date NOT NULL,
    auditor_org   text,
    workers       integer NOT NULL,
    registered_at timestamptz NOT NULL
);
CREATE INDEX audits_site ON audits (tenant, site_id);

-- One row per interviewed worker; `contact` is sealed under the audit's data key.
CREATE TABLE callbacks (
    callback_id          text PRIMARY KEY,
    audit_id             text NOT NULL,
    tenant               text NOT NULL,
    site_id              text NOT NULL,
    country              text NOT NULL,
    due_on               date NOT NULL,
    language             text NOT NULL,
    good_time            text,
    contact              jsonb NOT NULL,
    completed_at         timestamptz,
    reached              boolean,
    retaliation_reported boolean,
    grievance_id         text,
    version              integer NOT NULL
);
-- The operators' queue: what is due and not completed, oldest first.
CREATE INDEX callbacks_queue ON callbacks (tenant, due_on, callback_id)
    WHERE completed_at IS NULL;
CREATE INDEX callbacks_site ON callbacks (tenant, site_id);
