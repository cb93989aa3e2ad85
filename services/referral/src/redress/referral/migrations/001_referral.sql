-- What the policy that opens referrals keeps: the worker's first indication at filing.
CREATE TABLE indications (
    grievance_id text PRIMARY KEY,
    share        boolean NOT NULL
);

-- The officer's queue: one row per case's referral.
CREATE TABLE referrals (
    referral_id       text PRIMARY KEY,
    tenant            text NOT NULL,
    case_id           text NOT NULL,
    grievance_id      text NOT NULL,
    category          text NOT NULL,
    country           text,
    language          text NOT NULL,
    reasons           text[] NOT NULL,
    worker_indication boolean NOT NULL,
    suggested         text[] NOT NULL,
    imminent_danger   boolean,
    must_not_learn    text[] NOT NULL DEFAULT '{}',
    opened_at         timestamptz NOT NULL,
    opened_position   bigint NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX referrals_queue ON referrals (tenant, opened_at, opened_position);
CREATE INDEX referrals_case ON referrals (case_id);

-- Each partner a referral is addressed to: the officer's view and the partner's.
CREATE TABLE addressees (
    referral_id      text NOT NULL,
    partner_id       text NOT NULL,
    tenant           text NOT NULL,
    partner_name     text NOT NULL,
    partner_kind     text NOT NULL,
    fields           text[] NOT NULL,
    services         text[] NOT NULL,
    status           text NOT NULL,
    consent          text NOT NULL,
    consented        text[] NOT NULL DEFAULT '{}',
    consent_channel  text,
    basis            text,
    emergency        jsonb,
    acknowledge_by   timestamptz,
    overdue          boolean NOT NULL DEFAULT false,
    provided         text[] NOT NULL DEFAULT '{}',
    decline_reason   text,
    outcome          text,
    sent_at          timestamptz,
    sent_position    bigint,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (referral_id, partner_id)
);
CREATE INDEX addressees_partner ON addressees (tenant, partner_id, sent_at, sent_position)
    WHERE sent_at IS NOT NULL;

-- What happened to a referral, in order (codes and ids only: no personal data).
CREATE TABLE timeline (
    referral_id text NOT NULL,
    position    bigint NOT NULL,
    type        text NOT NULL,
    actor       text NOT NULL,
    actor_id    text NOT NULL,
    details     jsonb NOT NULL,
    time        timestamptz NOT NULL,
    PRIMARY KEY (referral_id, position)
);

-- Who of the partners read which personal fields.
CREATE TABLE disclosures (
    referral_id text NOT NULL,
    position    bigint NOT NULL,
    partner_id  text NOT NULL,
    reader      text NOT NULL,
    fields      text[] NOT NULL,
    time        timestamptz NOT NULL,
    PRIMARY KEY (referral_id, position)
);

-- The directory, as partners, endpoints and the acknowledgement time frame.
CREATE TABLE partners (
    tenant     text NOT NULL,
    partner_id text NOT NULL,
    name       text NOT NULL,
    kind       text NOT NULL,
    countries  text[] NOT NULL,
    indicators text[] NOT NULL,
    categories text[] NOT NULL,
    languages  text[] NOT NULL,
    services   text[] NOT NULL,
    contact    text NOT NULL,
    retired    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant, partner_id)
);

-- `secrets`: [{secret_id, until}], never a secret (docs/decisions/0015).
CREATE TABLE endpoints (
    tenant      text NOT NULL,
    partner_id  text NOT NULL,
    endpoint_id text NOT NULL,
    url         text NOT NULL,
    secrets     jsonb NOT NULL,
    PRIMARY KEY (tenant, partner_id, endpoint_id)
);

CREATE TABLE settings (
    tenant            text PRIMARY KEY,
    acknowledge_hours integer NOT NULL
);

-- The grievance's sealed personal data, opened only for a partner the worker consented to.
CREATE TABLE grievance_data (
    grievance_id text PRIMARY KEY,
    sealed       jsonb NOT NULL
);

-- The first answer to each Idempotency-Key, per caller (redress.kit.idempotency).
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
