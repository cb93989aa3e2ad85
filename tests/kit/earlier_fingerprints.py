"""Fingerprints of requests as the release before ADR 47 kept them, computed here on their
own (not by the code under test), for keys claimed before it and retried after."""

from __future__ import annotations

import hashlib
import hmac
import json

from fastapi import FastAPI

from redress.kit.keyset import derive, root_secret


def as_sent(body: dict) -> bytes:
    """What a route sharing its handler with the console hashed: the JSON, keys sorted."""
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def fingerprinted_as_before(app: FastAPI, path: str, content: bytes) -> str:
    secret = derive(root_secret(app.state.runtime.settings), "idempotency")
    digest = hmac.new(secret, digestmod=hashlib.sha256)
    for part in (b"POST", path.encode(), content):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()
