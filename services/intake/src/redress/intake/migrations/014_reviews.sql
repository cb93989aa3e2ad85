-- A review the worker asked for (`requested`), then its result (`upheld`, `reversed`) and
-- the reviewing officer's reasons, written for the worker. Cleared by the next decision.
ALTER TABLE grievances ADD COLUMN review text;
ALTER TABLE grievances ADD COLUMN review_reasons text;
