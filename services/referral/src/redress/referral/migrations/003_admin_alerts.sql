-- Email alerts to the tenant's admins of partners' deliveries (redress.referral.admin_alerts):
-- an outbox filled in the transaction of the delivery attempt that disabled an endpoint or
-- gave a delivery up, and emptied by the admin alert sender. Not a read model: no event
-- writes it and no rebuild or replay empties it, so each incident is alerted on once.
-- It holds the directory's ids and counts only, never a referral's or a worker's data.
CREATE TABLE admin_alerts (
    alert_id    text PRIMARY KEY,  -- endpoint-disabled:<notice> | delivery-given-up:<delivery>:<attempts>
    tenant      text NOT NULL,
    kind        text NOT NULL,     -- endpoint_disabled | delivery_given_up
    partner_id  text NOT NULL,
    endpoint_id text NOT NULL,
    detail      text,              -- why the endpoint was disabled, or the last answer
    held        integer NOT NULL,  -- deliveries to the endpoint not delivered, at the time
    given_up    integer NOT NULL,  -- of which given up (dead letters)
    queued_at   timestamptz NOT NULL DEFAULT now(),
    state       text NOT NULL DEFAULT 'pending',  -- pending | sent | skipped
    attempts    integer NOT NULL DEFAULT 0,
    next_try    timestamptz NOT NULL DEFAULT now(),
    settled_at  timestamptz,
    reason      text           -- why the last try failed or the alert was skipped
);
CREATE INDEX admin_alerts_due ON admin_alerts (next_try) WHERE state = 'pending';
