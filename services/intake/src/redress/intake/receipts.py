"""Anonymous receipts: a reference, a secret of 16 digits stored only as an argon2 hash, and
a signed proof of filing (Ed25519 over the reference, the time and a digest of what was filed).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# Unambiguous letters and digits, easy to read out over a phone.
_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY3479"
SECRET_DIGITS = 16
_hasher = PasswordHasher()
# Verifying against this when a reference is unknown takes as long as a real check.
_DUMMY = _hasher.hash("0" * 16)


@dataclass(frozen=True)
class Receipt:
    reference: str
    secret: str
    hash: str


# Stored for receipts whose secret is never shown (member filings): no secret matches it.
NO_SECRET = "no-secret"  # noqa: S105 - a marker, not a secret


def new_reference() -> str:
    return "R-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def new_receipt(secret: str | None = None) -> Receipt:
    """A receipt with a secret (random unless given); slow by design (argon2), so callers run
    it off the loop."""
    secret = secret or "".join(secrets.choice("0123456789") for _ in range(SECRET_DIGITS))
    return Receipt(new_reference(), secret, _hasher.hash(secret))


def receipt_without_secret() -> Receipt:
    return Receipt(new_reference(), "", NO_SECRET)


def verify_secret(hash_: str | None, secret: str) -> bool:
    """Whether `secret` is the receipt's, written with any script's digits (a worker reading
    ৯৭০৪ off a Bengali phone means 9704) and whatever spacing."""
    candidate = "".join(str(d) for ch in secret if (d := unicodedata.decimal(ch, None)) is not None)
    try:
        return _hasher.verify(hash_ or _DUMMY, candidate) and hash_ is not None
    except (VerificationError, InvalidHashError):
        return False


# A secret as a worker copies it: its digits in any script, together or in the groups of
# four its receipt shows them in (a space or a dash between); no more digits either side.
# A space before it goes with it, so that the words around it read on.
_SECRET = re.compile(rf" ?(?<!\d)(?:\d{{4}}[ \-]?){{{SECRET_DIGITS // 4 - 1}}}\d{{4}}(?![\d])")
_REFERENCE = re.compile(rf"\bR-?[{_ALPHABET}]{{8}}\b", re.IGNORECASE)


def without_secrets(text: str) -> tuple[str, bool]:
    """`text` with every receipt's secret in it taken out, and whether there was one."""
    kept, found = _SECRET.subn("", text)
    return (kept.strip() if found else text), bool(found)


def only_references(text: str) -> bool:
    """Whether `text` says nothing but receipts' references (and punctuation)."""
    return not any(ch.isalnum() for ch in _REFERENCE.sub("", text))


def normalise_reference(text: str) -> str:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    return f"R-{cleaned[1:]}" if cleaned.startswith("R") else f"R-{cleaned}"


def digest(filed: dict[str, Any]) -> str:
    """SHA-256 of what was filed (as recorded: personal data sealed), canonical JSON."""
    canonical = json.dumps(filed, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Proof:
    reference: str
    time: datetime
    digest: str

    def message(self) -> bytes:
        return f"redress-proof-v1|{self.reference}|{self.time.isoformat()}|{self.digest}".encode()

    def sign(self, key: Ed25519PrivateKey) -> str:
        body = _b64(f"{self.reference}|{self.time.isoformat()}|{self.digest}".encode())
        return f"{body}.{_b64(key.sign(self.message()))}"

    @classmethod
    def verify(cls, token: str, key: Ed25519PrivateKey) -> Proof | None:
        """The proof a token carries, if the platform's key signed it."""
        try:
            body, signature = token.strip().split(".")
            reference, time, digest_ = _unb64(body).decode().split("|")
            proof = cls(reference, datetime.fromisoformat(time), digest_)
            key.public_key().verify(_unb64(signature), proof.message())
        except (ValueError, InvalidSignature, UnicodeDecodeError):
            return None
        return proof
