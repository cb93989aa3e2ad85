-- The remedy delivered (redress.cases.remedies_views): remedies as delivered, the plan's
-- waived actions with their reasons, the worker's own word on each action's remedy, and the
-- attestation that no settlement waives the worker's right to go to court.
CREATE TABLE remedies (
    case_id         text NOT NULL,
    remedy_id       text NOT NULL,
    remedy          text NOT NULL,
    action_id       text,
    amount          numeric(17, 2),
    currency        text,
    workers_covered integer NOT NULL,
    reinstated_on   date[] NOT NULL,
    description     text NOT NULL,
    delivered_on    date NOT NULL,
    position        bigint NOT NULL,
    time            timestamptz NOT NULL,
    PRIMARY KEY (case_id, remedy_id)
);
CREATE TABLE waivers (
    case_id   text NOT NULL,
    action_id text NOT NULL,
    reason    text NOT NULL,
    actor_id  text,
    time      timestamptz NOT NULL,
    PRIMARY KEY (case_id, action_id)
);
-- The worker's latest word on whether an action's remedy reached them.
CREATE TABLE remedy_confirmations (
    case_id   text NOT NULL,
    action_id text NOT NULL,
    delivered boolean NOT NULL,
    position  bigint NOT NULL,
    time      timestamptz NOT NULL,
    PRIMARY KEY (case_id, action_id)
);
CREATE TABLE attestations (
    case_id  text NOT NULL,
    position bigint NOT NULL,
    actor_id text,
    time     timestamptz NOT NULL,
    PRIMARY KEY (case_id, position)
);
