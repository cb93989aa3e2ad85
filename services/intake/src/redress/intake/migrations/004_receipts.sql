-- Receipts, written with the filing itself, so that a worker can come back at once
-- (the grievances projection may be a moment behind).
CREATE TABLE receipts (
    tenant       text NOT NULL,
    reference    text NOT NULL,
    grievance_id text NOT NULL,
    receipt_hash text NOT NULL,
    filed_digest text NOT NULL,
    PRIMARY KEY (tenant, reference)
);
