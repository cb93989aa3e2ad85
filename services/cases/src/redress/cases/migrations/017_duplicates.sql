-- The case a grievance rejected as a duplicate duplicates (CaseRejected version 2). Version 1
-- named none, so the column starts empty and nothing needs rebuilding.
ALTER TABLE cases ADD COLUMN duplicate_of text;
