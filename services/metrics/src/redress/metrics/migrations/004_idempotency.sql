-- The first answer to each Idempotency-Key, per caller (redress.kit.idempotency): an admin
-- retrying a release or a settings change gets the first answer, not a second release.
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
