-- The worker withdrew the grievance: an open case ended with the grounds
-- `withdrawn_by_worker`, or a case already closed or rejected that keeps its ending
-- (CaseWithdrawn). Nobody contacts the worker about it and no officer reopens it. No
-- CaseWithdrawn existed before, so the rows the grounds say are all there is to fill.
ALTER TABLE cases ADD COLUMN withdrawn boolean NOT NULL DEFAULT false;
UPDATE cases SET withdrawn = true WHERE grounds = 'withdrawn_by_worker';
