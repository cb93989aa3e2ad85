-- The referral of a case, as referral's events tell it (cases reads no other schema): which
-- case each referral stream is about, and the names of the partners chosen, so that every
-- later milestone joins the case's timeline naming its partner.
CREATE TABLE referral_cases (
    referral text PRIMARY KEY,
    case_id  text NOT NULL
);
CREATE TABLE referral_partners (
    referral   text NOT NULL,
    partner_id text NOT NULL,
    name       text NOT NULL,
    kind       text NOT NULL,
    PRIMARY KEY (referral, partner_id)
);
