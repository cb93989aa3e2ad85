-- Attachments move to the keyring's sealed files (ADR 0032), where cases may read them for
-- officers. Each keeps its id (the `attachment_id` of `AttachmentAdded`) and the key it
-- was sealed under, which its sealed value names.
INSERT INTO keyring.sealed_files (file_id, key_id, tenant, content_type, sealed)
SELECT a.attachment_id, a.sealed->>'key_id', a.tenant, a.content_type, a.sealed
FROM attachments a
JOIN keyring.data_keys k ON k.key_id = a.sealed->>'key_id'
ON CONFLICT DO NOTHING;

DROP TABLE attachments;
