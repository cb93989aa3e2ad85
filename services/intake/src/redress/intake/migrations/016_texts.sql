-- Texts to workers by SMS (docs/messages.md).

-- The outbox: one row per text a case event warrants, keyed by the event and the kind of
-- text, so that a replay of the log or a restart never queues or sends a text twice. Not a
-- read model: a rebuild leaves it alone. `params` holds no personal data in plain text (an
-- officer's message or a new secret is sealed under the grievance's data key).
CREATE TABLE texts (
    text_id      text PRIMARY KEY,
    tenant       text NOT NULL,
    grievance_id text NOT NULL,
    kind         text NOT NULL,
    params       jsonb NOT NULL,
    -- pending, sending (leased to a sender), sent, skipped (no consent, no number), failed
    state        text NOT NULL DEFAULT 'pending',
    attempts     integer NOT NULL DEFAULT 0,
    due_at       timestamptz NOT NULL DEFAULT now(),
    lease_until  timestamptz,
    provider_id  text,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX texts_due ON texts (due_at) WHERE state IN ('pending', 'sending');
CREATE INDEX texts_grievance ON texts (grievance_id);
CREATE UNIQUE INDEX texts_provider ON texts (provider_id) WHERE provider_id IS NOT NULL;

-- Projection `texting` (rebuilt from the log): who may be texted, in which language.
CREATE TABLE followers (
    grievance_id text PRIMARY KEY,
    tenant       text NOT NULL,
    reference    text NOT NULL,
    language     text NOT NULL,
    contact_me   boolean NOT NULL
);

-- Which grievance a reply of "1" to "5" from a number answers: the one whose satisfaction
-- question was last sent to it. The key is an HMAC of the number, never the number.
CREATE TABLE sms_questions (
    tenant       text NOT NULL,
    thread_key   text NOT NULL,
    grievance_id text NOT NULL,
    asked_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, thread_key)
);

-- Whose contact a number is, for re-issuing a lost receipt to that number only: written with
-- the filing, an HMAC of the number, never the number.
CREATE TABLE contact_keys (
    tenant       text NOT NULL,
    contact_key  text NOT NULL,
    grievance_id text NOT NULL,
    PRIMARY KEY (tenant, contact_key, grievance_id)
);
