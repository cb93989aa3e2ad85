-- A grievance's country may be unknown (GrievanceSubmitted v2: None where v1 wrote "ZZ").
ALTER TABLE grievances ALTER COLUMN country DROP NOT NULL;
