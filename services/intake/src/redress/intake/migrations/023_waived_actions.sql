-- A plan action the officer waived: the worker's page says it is no longer planned, rather
-- than give its date as if it were still to be done.
ALTER TABLE plan_actions ADD COLUMN waived boolean NOT NULL DEFAULT false;
