-- Grievances received, by where they came from and what they are about.
CREATE TABLE grievance_counts (
    tenant   text NOT NULL,
    country  text NOT NULL,
    category text NOT NULL,
    channel  text NOT NULL,
    received integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, country, category, channel)
);
