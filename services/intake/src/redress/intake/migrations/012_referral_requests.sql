-- Projections (rebuilt from the log): the referrals of a worker's case, as the status page
-- shows them (the consent requests and each partner's state), fed by referral's events.

CREATE TABLE referrals (
    referral_id  text PRIMARY KEY,
    tenant       text NOT NULL,
    grievance_id text NOT NULL
);
CREATE INDEX referrals_grievance ON referrals (grievance_id);

CREATE TABLE referral_partners (
    referral_id  text NOT NULL,
    partner_id   text NOT NULL,
    partner_name text NOT NULL,
    partner_kind text NOT NULL,
    fields       text[] NOT NULL,
    services     text[] NOT NULL,
    -- asked, given, declined, revoked: the worker's answer
    consent      text NOT NULL DEFAULT 'asked',
    agreed       text[] NOT NULL DEFAULT '{}',
    -- asked, sent, acknowledged, accepted, declined, closed, withdrawn: the partner's part
    state        text NOT NULL DEFAULT 'asked',
    position     bigint NOT NULL,
    PRIMARY KEY (referral_id, partner_id)
);
