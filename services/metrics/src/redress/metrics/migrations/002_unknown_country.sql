-- Grievances whose country is not known are counted together under a NULL country.
ALTER TABLE grievance_counts DROP CONSTRAINT grievance_counts_pkey;
ALTER TABLE grievance_counts ALTER COLUMN country DROP NOT NULL;
ALTER TABLE grievance_counts
    ADD CONSTRAINT grievance_counts_key UNIQUE NULLS NOT DISTINCT (tenant, country, category, channel);
