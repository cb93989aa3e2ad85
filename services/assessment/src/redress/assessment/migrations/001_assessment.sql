-- One row per assessment: the list, the status and the final rating.
CREATE TABLE assessments (
    assessment_id    text PRIMARY KEY,
    tenant           text NOT NULL,
    org              text NOT NULL,
    framework        text NOT NULL,
    version          integer NOT NULL,
    title            text NOT NULL,
    status           text NOT NULL,
    started_by       text NOT NULL,
    started_at       timestamptz NOT NULL,
    started_position bigint NOT NULL,
    submitted_at     timestamptz,
    proposed         jsonb,
    rated_at         timestamptz,
    levels           jsonb,
    overall          text,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX assessments_list ON assessments (tenant, started_at, started_position);
CREATE INDEX assessments_org ON assessments (tenant, org, rated_at);

-- The current answer to each criterion, and where its review stands.
CREATE TABLE answers (
    assessment_id text NOT NULL,
    criterion     text NOT NULL,
    answer        text NOT NULL,
    reason        text NOT NULL,
    evidence      jsonb NOT NULL,
    answered_by   text NOT NULL,
    answered_at   timestamptz NOT NULL,
    review        text NOT NULL DEFAULT 'unreviewed',
    PRIMARY KEY (assessment_id, criterion)
);

-- What was said about an assessment, in order: answers, reviews, replies, ratings.
CREATE TABLE thread (
    assessment_id text NOT NULL,
    position      bigint NOT NULL,
    criterion     text,
    type          text NOT NULL,
    actor         text NOT NULL,
    actor_id      text NOT NULL,
    comment       text NOT NULL,
    time          timestamptz NOT NULL,
    PRIMARY KEY (assessment_id, position)
);

-- The first answer to each Idempotency-Key, per caller (redress.kit.idempotency).
CREATE TABLE idempotency (
    tenant     text NOT NULL,
    principal  text NOT NULL,
    key        text NOT NULL,
    body_hash  text NOT NULL,
    status     integer,
    response   jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, principal, key)
);
