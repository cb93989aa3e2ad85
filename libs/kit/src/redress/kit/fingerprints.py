"""What a request with an Idempotency-Key asks, as a keyed hash: its method, its path and
its body, a model as validated (ADR 47). A retry is the same request when its hash is the
first one's, or one the release before gave the same request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from fastapi import Request
from pydantic import BaseModel

from redress.kit.keyset import derive, root_secret


def derived(request: Request, purpose: str) -> bytes:
    """The key derived for `purpose` from the root secret, kept by the runtime."""
    extras: dict[str, Any] = request.app.state.runtime.extras
    secret: bytes | None = extras.get(purpose)
    if secret is None:
        secret = derive(root_secret(request.app.state.runtime.settings), purpose)
        extras[purpose] = secret
    return secret


def _hashed(request: Request, content: bytes) -> str:
    digest = hmac.new(derived(request, "idempotency"), digestmod=hashlib.sha256)
    for part in (request.method.encode(), request.url.path.encode(), content):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def canonical(value: Any) -> bytes:
    """JSON with its keys sorted and no spacing: one object however a client serialised it."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def fingerprint(request: Request, body: BaseModel | bytes | None) -> str:
    """A keyed hash of what the request asks: its method, its path and its body.

    A model is taken as validated, its defaults left out: what the handler is given. A field
    sent as its default (an explicit null) is the request that leaves it out, and a field
    added to the model later, with a default, leaves earlier requests' fingerprints alone."""
    if isinstance(body, BaseModel):
        return _hashed(request, canonical(body.model_dump(mode="json", exclude_defaults=True)))
    return _hashed(request, body or b"")


def earlier(request: Request, body: BaseModel | bytes | None, sent: bytes | None) -> list[str]:
    """The fingerprints the release before this one gave the same request: a model's every
    field, or the JSON as sent. Keys claimed then are still kept (`KEPT_FOR`), and their
    retries must still find their first answer (ADR 47); once they have expired, this goes."""
    if not isinstance(body, BaseModel):
        return []
    every_field = _hashed(request, body.model_dump_json().encode())
    return [every_field] if sent is None else [every_field, _hashed(request, sent)]


def body_model(request: Request) -> type[BaseModel] | None:
    """The model the route validated its JSON body as; None when it takes none."""
    field = getattr(request.scope.get("route"), "body_field", None)
    model = getattr(getattr(field, "field_info", None), "annotation", None)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None
