-- Webhook delivery (redress.kit.webhooks), in the schema of the service that sends them.
-- Names are unqualified: the migration runs with the service's schema on the search path.

-- Where a subscriber (a partner) receives webhooks; a circuit breaker per endpoint.
CREATE TABLE webhook_endpoints (
    id                 text PRIMARY KEY,                -- the caller's id, or a random one
    tenant             text NOT NULL,
    owner              text NOT NULL,
    url                text NOT NULL,
    enabled            boolean NOT NULL DEFAULT true,
    disabled_reason    text,
    created_at         timestamptz NOT NULL,
    failures           integer NOT NULL DEFAULT 0,      -- consecutive failed attempts
    failing_since      timestamptz,                     -- the first of them
    circuit_trips      integer NOT NULL DEFAULT 0,      -- 0: closed
    circuit_open_until timestamptz
);
CREATE INDEX webhook_endpoints_owner ON webhook_endpoints (tenant, owner);

-- Signing secrets, sealed (AES-GCM under a key derived from the root secret); during a
-- rotation the old and the new one are both valid and both sign.
CREATE TABLE webhook_secrets (
    id          text PRIMARY KEY,
    endpoint_id text NOT NULL REFERENCES webhook_endpoints ON DELETE CASCADE,
    sealed      text NOT NULL,
    valid_from  timestamptz NOT NULL,
    valid_until timestamptz
);
CREATE INDEX webhook_secrets_endpoint ON webhook_secrets (endpoint_id);

-- One row per message per endpoint: its state is its timer (`next_attempt_at`).
CREATE TABLE webhook_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id      text NOT NULL REFERENCES webhook_endpoints ON DELETE CASCADE,
    tenant           text NOT NULL,
    webhook_id       text NOT NULL,
    ordering_key     text NOT NULL,
    sequence         bigint NOT NULL,
    event_type       text NOT NULL,
    body             text NOT NULL,
    state            text NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'delivered', 'dead', 'skipped')),
    attempts         integer NOT NULL DEFAULT 0,
    tries            integer NOT NULL DEFAULT 0,        -- attempts since the horizon began
    created_at       timestamptz NOT NULL,
    next_attempt_at  timestamptz NOT NULL,
    retrying_since   timestamptz,                       -- start of the retry horizon
    lease            uuid,
    lease_until      timestamptz,
    last_status      integer,
    last_error       text,
    settled_at       timestamptz,
    UNIQUE (endpoint_id, webhook_id),
    UNIQUE (endpoint_id, ordering_key, sequence)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (endpoint_id, ordering_key, sequence)
    WHERE state IN ('pending', 'dead');
CREATE INDEX webhook_deliveries_dead ON webhook_deliveries (tenant, id) WHERE state = 'dead';
CREATE INDEX webhook_deliveries_key ON webhook_deliveries (tenant, ordering_key);

-- Each attempt: when, the answer's status, how long it took, what went wrong; never a body.
CREATE TABLE webhook_attempts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id bigint NOT NULL REFERENCES webhook_deliveries ON DELETE CASCADE,
    attempt     integer NOT NULL,
    at          timestamptz NOT NULL,
    status      integer,
    latency_ms  integer NOT NULL,
    error       text
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);

-- What admins must hear of: an endpoint disabled after sustained failure.
CREATE TABLE webhook_notices (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant      text NOT NULL,
    endpoint_id text NOT NULL,
    owner       text NOT NULL,
    kind        text NOT NULL,
    detail      text NOT NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX webhook_notices_tenant ON webhook_notices (tenant, id);
