-- Verification and the response (IOM steps 1 and 2, redress.cases.verification): each
-- finding sealed as it is in the log, and the latest decision of each step.
CREATE TABLE findings (
    case_id  text NOT NULL,
    position bigint NOT NULL,
    source   text NOT NULL,
    sealed   jsonb NOT NULL,
    time     timestamptz NOT NULL,
    PRIMARY KEY (case_id, position)
);
CREATE TABLE determinations (
    case_id text NOT NULL,
    step    text NOT NULL,  -- verification | response
    details jsonb NOT NULL,
    time    timestamptz NOT NULL,
    PRIMARY KEY (case_id, step)
);
