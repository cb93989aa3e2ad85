-- Publishing a release is a job (ADR 45): disclosure control takes up to a minute, so the
-- admin's request is answered at once and the job's progress is kept here, where any process
-- of the service can answer `GET /v1/figures/publications/{id}`. `heartbeat` is renewed by
-- the process working on it; a job whose heartbeat is stale lost its process and is taken up
-- again by another (`runner` says which run holds it, so that a run that lost it never
-- records). `release_id` is fixed when the job is asked for: the release it records, once.
CREATE TABLE publications (
    id           uuid PRIMARY KEY,
    tenant       text NOT NULL,
    period       text NOT NULL,
    corrects     text,
    release_id   text NOT NULL,
    metadata     jsonb NOT NULL,
    state        text NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'working', 'published', 'refused', 'failed')),
    step         text NOT NULL DEFAULT 'queued',
    audited      integer NOT NULL DEFAULT 0,
    to_audit     integer NOT NULL DEFAULT 0,
    number       integer,
    problem      jsonb,
    attempts     integer NOT NULL DEFAULT 0,
    runner       uuid,
    requested_at timestamptz NOT NULL DEFAULT now(),
    heartbeat    timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
CREATE INDEX publications_of_tenant ON publications (tenant, requested_at);
CREATE INDEX publications_unfinished ON publications (heartbeat)
    WHERE state IN ('queued', 'working');
