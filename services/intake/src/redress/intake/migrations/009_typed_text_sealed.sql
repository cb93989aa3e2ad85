-- What people type is sealed inside the grievance's `personal` (GrievanceSubmitted v2) and
-- the callback's `contact` (CallbackScheduled v2); the read models keep no plain copy.
ALTER TABLE grievances DROP COLUMN member_reference;
ALTER TABLE callbacks DROP COLUMN good_time;
