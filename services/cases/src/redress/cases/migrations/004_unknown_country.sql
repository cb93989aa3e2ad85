-- A grievance's country may be unknown (CaseOpened v2: None where v1 wrote "ZZ").
ALTER TABLE cases ALTER COLUMN country DROP NOT NULL;
