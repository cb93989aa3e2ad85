-- What each person of a member company has marked as seen in the member console
-- (redress.cases.member_notices): the newest case of its supply chain it acknowledged, by
-- filing time and place in the log; the cases filed after it are "new" to that person.
-- Not a read model: nothing in the log says what a person has looked at, and no rebuild
-- empties it. It holds the token's subject and organisation only, never a worker's data.
CREATE TABLE member_seen (
    tenant        text NOT NULL,
    org           text NOT NULL,
    subject       text NOT NULL,
    seen_at       timestamptz NOT NULL,
    seen_position bigint NOT NULL,
    marked_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, org, subject)
);
CREATE INDEX cases_member ON cases (tenant, member_org, opened_at, opened_position);
