"""Short-lived values carried by the worker's own browser, sealed so that only we read them.

The receipt on its way from the filing to its page, or the way to a reply typed just after
a session ended (`reply_drafts`: the reply itself waits in a table, sealed under a key only
this cookie holds), ride in an HttpOnly cookie encrypted with AES-256-GCM (a key derived for
the purpose), never in a URL or a log line. The report a status page's form acts on is
sealed the same way (`web_common.form_origin`), and rides in the form, and in the links of
the question before withdrawing or erasing: it says nothing to whoever reads it.
"""

from __future__ import annotations

import base64
import json
import os
import time
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from starlette.requests import Request
from starlette.responses import Response

from redress.kit.proxy import secure_cookies


def seal(key: bytes, purpose: str, value: dict[str, Any], seconds: int) -> str:
    nonce = os.urandom(12)
    body = json.dumps({"v": value, "exp": int(time.time()) + seconds}).encode()
    sealed = AESGCM(key).encrypt(nonce, body, purpose.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def unseal(key: bytes, purpose: str, token: str | None) -> dict[str, Any] | None:
    """The value, unless it is missing, forged, sealed for another purpose or expired."""
    if not token or len(token) > 8000:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        body = json.loads(AESGCM(key).decrypt(raw[:12], raw[12:], purpose.encode()))
    except (ValueError, InvalidTag):
        return None
    if not isinstance(body, dict) or body.get("exp", 0) < time.time():
        return None
    value = body.get("v")
    return value if isinstance(value, dict) else None


def set_sealed(
    request: Request, response: Response, name: str, token: str, seconds: int, path: str
) -> None:
    response.set_cookie(
        name, token, max_age=seconds, path=path, httponly=True, samesite="strict",
        secure=secure_cookies(request),
    )  # fmt: skip


def clear(request: Request, response: Response, name: str, path: str) -> None:
    response.delete_cookie(
        name, path=path, httponly=True, samesite="strict", secure=secure_cookies(request)
    )
