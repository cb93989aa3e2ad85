-- An assessment's evidence is erased by destroying its data key (crypto-shredding). The
-- role that seals evidence (007) may destroy evidence keys only, never a grievance's: the one
-- function it may call deletes a key whose id is an evidence key's
-- (`redress.kit.crypto.evidence_key_id`).
CREATE OR REPLACE FUNCTION keyring.erase_evidence_key(erased text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, keyring AS $$
BEGIN
    IF erased NOT LIKE 'evidence-%' THEN
        RAISE EXCEPTION 'only an evidence key is erased here: %', erased;
    END IF;
    DELETE FROM keyring.data_keys WHERE key_id = erased;
    RETURN FOUND;
END
$$;
REVOKE ALL ON FUNCTION keyring.erase_evidence_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION keyring.erase_evidence_key(text) TO redress_assessment;
