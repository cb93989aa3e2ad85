-- Synthetic history (docs/decisions/0022-synthetic-history.md): the figures generator
-- records two years of a made-up initiative through the real commands in minutes, so its
-- events must say when they "happened". An insert made while `redress.event_time` is set
-- takes that time, for a tenant listed here only; any other tenant's insert is refused.
-- Without the setting (every service, always) the trigger does not even fire, and an
-- event's time stays its transaction's. Only the owner of the log can list a tenant here.
CREATE TABLE IF NOT EXISTS eventlog.synthetic_tenants (
    tenant text PRIMARY KEY
);
GRANT SELECT ON eventlog.synthetic_tenants TO redress_service;

CREATE OR REPLACE FUNCTION eventlog.synthetic_time() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM eventlog.synthetic_tenants WHERE tenant = NEW.tenant) THEN
        RAISE EXCEPTION 'events of tenant % cannot be dated: it is not synthetic', NEW.tenant;
    END IF;
    NEW.time := current_setting('redress.event_time')::timestamptz;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS events_synthetic_time ON eventlog.events;
CREATE TRIGGER events_synthetic_time BEFORE INSERT ON eventlog.events
    FOR EACH ROW WHEN (coalesce(current_setting('redress.event_time', true), '') <> '')
    EXECUTE FUNCTION eventlog.synthetic_time();
