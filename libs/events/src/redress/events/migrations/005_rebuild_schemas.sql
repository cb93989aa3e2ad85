-- A rebuild fills a shadow schema beside the service's own, then swaps its tables in
-- (docs/decisions/0011-rebuild-beside-live-tables.md): each service role may create one.
DO $$
BEGIN
    EXECUTE format('GRANT CREATE ON DATABASE %I TO redress_service', current_database());
END $$;
