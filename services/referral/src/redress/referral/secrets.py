"""Webhook signing secrets (Standard Webhooks' `whsec_...`), derived, never stored.

An endpoint's secret is an HMAC of the tenant, partner, endpoint and the random `secret_id`
its event records, under a key derived from the platform's root secret (ADR 15). The log,
its backups and the read models hold only the ids; whoever signs a webhook derives the
secrets again from the ids that sign at that moment (`Endpoint.signing`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable

PURPOSE = "webhook-secrets"
PREFIX = "whsec_"


def new_secret_id() -> str:
    return secrets.token_urlsafe(18)


def webhook_secret(
    key: bytes, tenant: str, partner_id: str, endpoint_id: str, secret_id: str
) -> str:
    """The secret of one version of an endpoint's key, as the partner's receiver holds it."""
    message = "\x1f".join((tenant, partner_id, endpoint_id, secret_id)).encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return PREFIX + base64.b64encode(digest).decode()


def signing_secrets(
    key: bytes, tenant: str, partner_id: str, endpoint_id: str, secret_ids: Iterable[str]
) -> list[str]:
    """Every secret a request to the endpoint is signed with (one `v1,` signature each)."""
    return [webhook_secret(key, tenant, partner_id, endpoint_id, s) for s in secret_ids]
