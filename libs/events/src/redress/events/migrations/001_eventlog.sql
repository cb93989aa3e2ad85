-- The one append-only log of Redress.
CREATE SCHEMA IF NOT EXISTS eventlog;

CREATE TABLE IF NOT EXISTS eventlog.events (
    position      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tx_id         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    id            uuid NOT NULL UNIQUE,
    stream        text NOT NULL,
    version       integer NOT NULL CHECK (version > 0),
    type          text NOT NULL,
    schemaversion integer NOT NULL DEFAULT 1,
    tenant        text NOT NULL,
    time          timestamptz NOT NULL DEFAULT now(),
    data          jsonb NOT NULL,
    metadata      jsonb NOT NULL,
    UNIQUE (stream, version)
);

-- The relay and projections read in (tx_id, position) order.
CREATE INDEX IF NOT EXISTS events_tx_order ON eventlog.events (tx_id, position);

-- Nothing updates or deletes the log, whoever asks.
CREATE OR REPLACE FUNCTION eventlog.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'eventlog.events is append-only';
END $$;

DROP TRIGGER IF EXISTS events_append_only ON eventlog.events;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON eventlog.events
    FOR EACH ROW EXECUTE FUNCTION eventlog.refuse_change();
DROP TRIGGER IF EXISTS events_no_truncate ON eventlog.events;
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON eventlog.events
    FOR EACH STATEMENT EXECUTE FUNCTION eventlog.refuse_change();
