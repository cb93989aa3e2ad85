-- What the worker is told once the case is closed, and what they said of it.
ALTER TABLE grievances ADD COLUMN outcome text;
ALTER TABLE grievances ADD COLUMN satisfaction integer;
