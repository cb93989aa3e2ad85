-- Retaliation reports and the check-in call after their case (projection `check_ins`,
-- rebuilt from the retaliation streams). `contact` is sealed under the data key of the audit
-- or grievance the number came from; NULL when the worker gave none or did not allow contact.
CREATE TABLE check_ins (
    report_id    text PRIMARY KEY,
    tenant       text NOT NULL,
    channel      text NOT NULL,
    language     text NOT NULL,
    site_id      text,
    country      text,
    grievance_id text,
    audit_id     text,
    contact      jsonb,
    case_id      text,
    due_on       date,
    attempts     integer NOT NULL DEFAULT 0,
    done_at      timestamptz,
    reached      boolean,
    anything_happened boolean,
    version      integer NOT NULL
);
-- The operators' queue: check-ins due and not yet made, oldest first.
CREATE INDEX check_ins_queue ON check_ins (tenant, due_on, report_id)
    WHERE due_on IS NOT NULL AND done_at IS NULL;
