"""Standard Webhooks secrets: made here, kept sealed, used to sign every request.

A secret is `whsec_` and the base64 of 32 random bytes. It is shown once, when made; the
database holds it only sealed (AES-256-GCM under a key derived from the root secret, bound
to its endpoint and its own id), so a copy of the database alone cannot sign a webhook.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Sequence
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from standardwebhooks import Webhook

from redress.kit.keyset import derive

PREFIX = "whsec_"
SECRET_BYTES = 32
_NONCE = 12


class BadSecret(ValueError):
    """Not a Standard Webhooks secret (`whsec_` and 24 to 64 bytes in base64)."""


def new_secret() -> str:
    return PREFIX + base64.b64encode(os.urandom(SECRET_BYTES)).decode()


def check_secret(secret: str) -> str:
    """A secret brought by the subscriber, as the specification allows it."""
    try:
        raw = base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise BadSecret("the secret is not base64 after 'whsec_'") from None
    if not secret.startswith(PREFIX) or not 24 <= len(raw) <= 64:
        raise BadSecret("a secret is 'whsec_' and 24 to 64 bytes in base64")
    return secret


class SecretBox:
    """Seals secrets at rest; `context` (endpoint and secret ids) is bound into each seal."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("a secret box takes a 32-byte key")
        self._aead = AESGCM(key)

    @classmethod
    def from_root(cls, root: bytes) -> SecretBox:
        """The box of a deployment: its key derived from `redress.kit.keyset.root_secret`."""
        return cls(derive(root, "webhook-signing-secrets"))

    def seal(self, secret: str, context: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, secret.encode(), context.encode())
        return base64.b64encode(nonce + sealed).decode()

    def open(self, sealed: str, context: str) -> str:
        raw = base64.b64decode(sealed)
        try:
            return self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], context.encode()).decode()
        except InvalidTag:
            raise BadSecret(f"the secret sealed for {context} does not open") from None


def secret_context(endpoint_id: object, secret_id: object) -> str:
    """What a sealed secret is bound to: it opens for its own endpoint and row only."""
    return f"webhook-secret:{endpoint_id}:{secret_id}"


def sign(secrets: Sequence[str], webhook_id: str, at: datetime, body: str) -> str:
    """The `webhook-signature` header: one `v1,` signature per secret, space-separated."""
    if not secrets:
        raise BadSecret("an endpoint without a valid secret cannot be signed for")
    return " ".join(Webhook(s).sign(webhook_id, at, body) for s in secrets)


def headers(secrets: Sequence[str], webhook_id: str, at: datetime, body: str) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt, timestamped `at`."""
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": sign(secrets, webhook_id, at, body),
    }
