-- Retention: when a grievance's case was closed (or rejected), whether a legal hold keeps
-- its personal data, and each tenant's retention period after closure (NULL: no limit).
ALTER TABLE grievances ADD COLUMN closed_at timestamptz;
ALTER TABLE grievances ADD COLUMN held boolean NOT NULL DEFAULT false;
ALTER TABLE tenants ADD COLUMN retention_days integer;
-- The retention sweep's question: which closed, unheld grievances still hold personal data.
CREATE INDEX grievances_retention ON grievances (tenant, closed_at)
    WHERE closed_at IS NOT NULL AND NOT held AND status <> 'erased';
