-- Which organisation owns each plan action, and each case's member company, so that a
-- member counts only the actions it owns as the cases service decides it (`metrics.actions`):
-- not those of another member, nor those of a case at a site it shares that no member owns.
CREATE TABLE case_members (
    tenant     text NOT NULL,
    case_id    text PRIMARY KEY,
    member_org text
);
ALTER TABLE actions ADD COLUMN owner_org text;
-- Only the log says whose the actions added before were: rebuilt from its start, as
-- `redress replay metrics.actions` would.
TRUNCATE actions;
DELETE FROM applied_versions WHERE projection = 'actions';
UPDATE checkpoints SET position = 0 WHERE name = 'actions';
