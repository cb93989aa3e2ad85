-- Alerts before the officers (projection `alerts`): a worker reported retaliation and a case
-- was opened for it. An alert stands until an officer takes the case or it ends.
CREATE TABLE alerts (
    case_id        text PRIMARY KEY,
    tenant         text NOT NULL,
    kind           text NOT NULL,  -- retaliation
    report_id      text NOT NULL,
    channel        text NOT NULL,
    linked_case_id text,
    raised_at      timestamptz NOT NULL,
    cleared_at     timestamptz
);
CREATE INDEX alerts_standing ON alerts (tenant, raised_at) WHERE cleared_at IS NULL;
