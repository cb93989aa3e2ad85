-- A worker's withdrawal of a grievance whose case had already ended (CaseWithdrawn): the case
-- keeps its ending and its grounds, and this says nobody contacts the worker about it. No
-- event of it existed before, so the column starts false and nothing needs rebuilding.
ALTER TABLE cases ADD COLUMN withdrawn boolean NOT NULL DEFAULT false;
