-- The actions of remediation plans, for the member dashboard: whose they are (a kind of
-- owner: member company, supplier, facilitator, initiative), when due, and when done. No
-- description or progress text: only codes and dates.
CREATE TABLE actions (
    tenant   text NOT NULL,
    action   text NOT NULL,
    case_id  text NOT NULL,
    remedy   text NOT NULL,
    owner    text NOT NULL,
    due_on   date NOT NULL,
    added_at timestamptz NOT NULL,
    done_at  timestamptz,
    PRIMARY KEY (tenant, action)
);
CREATE INDEX actions_by_case ON actions (case_id);
