-- What the policy that withdraws a retired partner's referrals keeps: each part of a referral
-- chosen and not yet ended, by partner, as the log has told it in order (retirement.py).
CREATE TABLE open_parts (
    tenant      text NOT NULL,
    partner_id  text NOT NULL,
    referral_id text NOT NULL,
    PRIMARY KEY (tenant, partner_id, referral_id)
);
