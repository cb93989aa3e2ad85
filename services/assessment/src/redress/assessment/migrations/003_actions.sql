-- The action plan of each assessment: one action per unmet criterion.
CREATE TABLE actions (
    assessment_id text NOT NULL,
    criterion     text NOT NULL,
    tenant        text NOT NULL,
    owner         text NOT NULL,
    due_on        date NOT NULL,
    description   text NOT NULL,
    done          boolean NOT NULL DEFAULT false,
    reminded      text[] NOT NULL DEFAULT '{}',
    planned_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (assessment_id, criterion)
);
CREATE INDEX actions_due ON actions (tenant, due_on) WHERE NOT done;
