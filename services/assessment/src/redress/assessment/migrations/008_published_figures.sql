-- The releases of figures the initiative has published (Recommendation 26), shown beside its
-- own questions: each release's number, period, what it corrects and when, never a figure.
-- The facts are rebuilt from the log's start to take in the releases published before.
CREATE TABLE facts_releases (
    tenant       text NOT NULL,
    release_id   text NOT NULL,
    number       integer NOT NULL,
    period       text NOT NULL,
    corrects     text,
    published_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, release_id)
);
TRUNCATE facts_cases, facts_channels, facts_tenants, facts_members, facts_partners;
DELETE FROM applied_versions WHERE projection = 'facts';
UPDATE checkpoints SET position = 0 WHERE name = 'facts';
