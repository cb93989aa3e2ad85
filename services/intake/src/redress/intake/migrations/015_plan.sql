-- The case's plan as the worker follows it: each action (its owner by kind, never a person),
-- when it is due, its progress, and whether the worker says it reached them; and the
-- worker's answer to the plan.
CREATE TABLE plan_actions (
    grievance_id text NOT NULL,
    action_id    text NOT NULL,
    owner        text NOT NULL,
    due_on       date NOT NULL,
    description  text NOT NULL,
    progress     text,
    done         boolean NOT NULL DEFAULT false,
    delivered    boolean,
    PRIMARY KEY (grievance_id, action_id)
);
ALTER TABLE grievances ADD COLUMN plan_answer text;

-- Plans are in the log only: the grievances are rebuilt from its start, as
-- `redress replay intake.grievances` would.
TRUNCATE grievances, thread, tenants, sites, partners;
DELETE FROM applied_versions WHERE projection = 'grievances';
UPDATE checkpoints SET position = 0 WHERE name = 'grievances';
