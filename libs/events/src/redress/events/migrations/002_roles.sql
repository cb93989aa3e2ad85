-- Services may only read and append to the log; each owns its own schema.
DO $$
DECLARE
    svc text;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'redress_service') THEN
        CREATE ROLE redress_service NOLOGIN;
    END IF;
    FOREACH svc IN ARRAY ARRAY['intake', 'cases', 'referral', 'metrics', 'assessment'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'redress_' || svc) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN IN ROLE redress_service', 'redress_' || svc);
        END IF;
        EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L',
                       'redress_' || svc, '10s');
    END LOOP;
    -- The relay only reads the log.
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'redress_relay') THEN
        CREATE ROLE redress_relay NOLOGIN;
    END IF;
    ALTER ROLE redress_relay SET idle_in_transaction_session_timeout = '10s';
END $$;

GRANT USAGE ON SCHEMA eventlog TO redress_relay;
GRANT SELECT ON eventlog.events TO redress_relay;

GRANT USAGE ON SCHEMA eventlog TO redress_service;
GRANT SELECT, INSERT ON eventlog.events TO redress_service;
REVOKE UPDATE, DELETE, TRUNCATE ON eventlog.events FROM redress_service;
