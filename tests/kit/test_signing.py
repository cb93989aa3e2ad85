"""Tenants' signing keys: derived per tenant, published as JWKs named by their thumbprint,
and signatures over canonical JSON that anyone can check."""

from __future__ import annotations

import copy

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from redress.kit.signing import (
    key_from_jwk,
    public_jwk,
    sign,
    signing_key_id,
    tenant_signing_key,
    verify,
)

ROOT = bytes(range(32))


def test_each_tenant_has_a_key_of_its_own_that_every_replica_derives_alike():
    a, again = tenant_signing_key(ROOT, "acme-msi"), tenant_signing_key(ROOT, "acme-msi")
    other, next_generation = (
        tenant_signing_key(ROOT, "globex"),
        tenant_signing_key(ROOT, "acme-msi", 2),
    )
    assert public_jwk(a.public_key()) == public_jwk(again.public_key())
    ids = {signing_key_id(k.public_key()) for k in (a, other, next_generation)}
    assert len(ids) == 3


def test_the_key_id_is_the_rfc_7638_thumbprint_of_the_rfc_8037_example():
    x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    key = key_from_jwk({"kty": "OKP", "crv": "Ed25519", "x": x})
    assert isinstance(key, Ed25519PublicKey)
    assert signing_key_id(key) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    assert public_jwk(key)["x"] == x


def test_a_signed_document_verifies_and_any_change_fails():
    key = tenant_signing_key(ROOT, "acme-msi")
    keys = [public_jwk(key.public_key())]
    document = {"period": "2025-Q1", "tables": [{"cells": [{"key": ["BD"], "count": 12}]}]}
    signature = sign(document, key)
    assert verify(document, signature, keys)
    # The members' order does not matter: the signature is over the canonical form.
    assert verify(dict(reversed(document.items())), signature, keys)
    tampered = copy.deepcopy(document)
    tampered["tables"][0]["cells"][0]["count"] = 13
    assert not verify(tampered, signature, keys)
    assert not verify(document, signature | {"value": signature["value"][:-2] + "AA"}, keys)
    other = [public_jwk(tenant_signing_key(ROOT, "globex").public_key())]
    assert not verify(document, signature, other)
    assert not verify(document, signature | {"kid": other[0]["kid"]}, other)
    # A published key whose id is not its own thumbprint is not believed.
    assert not verify(document, signature, [keys[0] | {"x": other[0]["x"]}])
    assert not verify(document, signature | {"alg": "none"}, keys)
