"""Documents a tenant signs for the public (releases of figures), and how anyone checks them.

Each tenant has an Ed25519 key of its own, derived from the root secret (which never
rotates, like the other derived keys) under a purpose naming the tenant and the key's
generation, so no two tenants share a key and a key can be replaced by the next generation
without touching what the old one signed. Its public half is published as a JWK (RFC 8037,
`kty` OKP, `crv` Ed25519); its id, `signing_key_id`, is the key's RFC 7638 thumbprint, so it
names the key itself: a document names the key that signed it, and a reader finds that key
in the tenant's published set by id (ADR 0024; like `grievance_key_id`, the one function
every signer and reader calls).

A signature is Ed25519 over the RFC 8785 canonical bytes of the document
(`redress.kit.canonical`), carried beside it as `{"alg": "EdDSA", "kid": ..., "value": ...}`
with the value in unpadded base64url.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from redress.kit.canonical import canonical
from redress.kit.keyset import derive

GENERATION = 1
"""The generation of tenants' signing keys now in use; a new one would be 2."""


def tenant_signing_key(root: bytes, tenant: str, generation: int = GENERATION) -> Ed25519PrivateKey:
    """The tenant's release-signing key (deterministic: every replica derives the same)."""
    seed = derive(root, f"tenant-signing:{generation}:{tenant}")
    return Ed25519PrivateKey.from_private_bytes(seed)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def signing_key_id(key: Ed25519PublicKey) -> str:
    """The key's RFC 7638 JWK thumbprint: SHA-256 over its required members, canonical."""
    members = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw_public(key))}
    return _b64url(hashlib.sha256(canonical(members)).digest())


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    """The public key as published: a JWK any JOSE library reads."""
    x = _b64url(raw_public(key))
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": signing_key_id(key),
            "alg": "EdDSA", "use": "sig"}  # fmt: skip


def key_from_jwk(jwk: dict[str, Any]) -> Ed25519PublicKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
        raise ValueError("not an Ed25519 public JWK")
    return Ed25519PublicKey.from_public_bytes(_unb64url(jwk["x"]))


def sign(document: Any, key: Ed25519PrivateKey) -> dict[str, str]:
    """The signature of a JSON document, to be published beside it."""
    value = key.sign(canonical(document))
    return {"alg": "EdDSA", "kid": signing_key_id(key.public_key()), "value": _b64url(value)}


def verify(document: Any, signature: dict[str, Any], keys: list[dict[str, Any]]) -> bool:
    """Whether `signature` is a signature of `document` by the key it names among `keys`
    (JWKs, as the tenant publishes them). False for any change to either, or any other key."""
    if signature.get("alg") != "EdDSA" or not isinstance(signature.get("value"), str):
        return False
    for jwk in keys:
        if jwk.get("kid") != signature.get("kid"):
            continue
        try:
            key = key_from_jwk(jwk)
            if signing_key_id(key) != jwk["kid"]:
                return False  # a JWK whose id is not its thumbprint is not to be trusted
            key.verify(_unb64url(signature["value"]), canonical(document))
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True
    return False
