-- Email alerts to the tenant's officers and supervisors (redress.cases.mail_alerts): an outbox
-- filled by the `mail_alerts` policy and emptied by the alert sender. Not a read model: no
-- rebuild empties it, so that a replay finds each alert queued (or sent) and queues nothing.
-- It holds codes and dates only, never what the worker said or who they are.
CREATE TABLE mail_alerts (
    alert_id   text PRIMARY KEY,  -- one per event (a stage missed), one per case (critical)
    tenant     text NOT NULL,
    kind       text NOT NULL,     -- stage_missed | critical_case
    case_id    text NOT NULL,
    stage      text,
    due_on     date,
    queued_at  timestamptz NOT NULL DEFAULT now(),
    state      text NOT NULL DEFAULT 'pending',  -- pending | sent | skipped
    attempts   integer NOT NULL DEFAULT 0,
    next_try   timestamptz NOT NULL DEFAULT now(),
    settled_at timestamptz,
    reason     text           -- why the last try failed or the alert was skipped
);
CREATE INDEX mail_alerts_due ON mail_alerts (next_try) WHERE state = 'pending';
