-- Which audit each callback belongs to, written with the audit's registration (ADR 4, 18):
-- recording an outcome finds it here, not in `callbacks`, which a rebuild in place empties.
CREATE TABLE callback_audits (
    callback_id text PRIMARY KEY,
    tenant      text NOT NULL,
    audit_id    text NOT NULL,
    language    text NOT NULL
);
-- The callbacks scheduled so far, from the log itself.
INSERT INTO callback_audits (callback_id, tenant, audit_id, language)
SELECT data ->> 'callback_id', tenant, data ->> 'audit_id', data ->> 'language'
FROM eventlog.events WHERE type = 'CallbackScheduled'
ON CONFLICT (callback_id) DO NOTHING;
