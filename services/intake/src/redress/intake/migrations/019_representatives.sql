-- Representatives beside workers (projection `representations`): who filed a grievance for
-- a worker or accompanies them (`capacity`), and who asked to and awaits the worker's answer
-- (`capacity` NULL).
CREATE TABLE representations (
    grievance_id text NOT NULL,
    tenant       text NOT NULL,
    org          text NOT NULL,
    capacity     text,
    asked_at     timestamptz NOT NULL,
    PRIMARY KEY (grievance_id, org)
);
CREATE INDEX representations_org ON representations (tenant, org) WHERE capacity IS NOT NULL;
