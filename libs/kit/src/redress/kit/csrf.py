"""CSRF protection for server-rendered forms: a cookie, and its HMAC in a hidden field.

A forged or missing token answers 403 and changes nothing. A page may instead carry a token
of its own (`once`): the HMAC covers a nonce and the time the page was made as well, and
`check` gives the nonce back, for the caller to accept each page's forms once
(`redress.kit.console`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from fastapi import Request, Response

from redress.kit.errors import Problem

COOKIE = "csrf"


# A page's own token: when it was made (8 hex digits of seconds), a nonce, the HMAC.
_MADE, _NONCE, _MAC = 8, 24, 64
ONCE_VALID = 7 * 24 * 3600  # a page older than a week is reloaded first


def token_for(key: bytes, cookie: str) -> str:
    return hmac.new(key, cookie.encode(), hashlib.sha256).hexdigest()


def issue(request: Request, key: bytes, *, once: bool = False) -> tuple[str, str | None]:
    """The form token, and a new cookie value to set when the browser has none yet; `once`:
    a token of this page's own."""
    cookie = request.cookies.get(COOKIE)
    new = None
    if not cookie or len(cookie) != 32:
        cookie = new = secrets.token_hex(16)
    return (page_token(key, cookie) if once else token_for(key, cookie)), new


def page_token(key: bytes, cookie: str) -> str:
    """A token of a page's own for the browser of `cookie`: when it was made, a nonce, the
    HMAC over both and the cookie."""
    nonce = f"{int(time.time()):08x}{secrets.token_hex(_NONCE // 2)}"
    return nonce + token_for(key, cookie + nonce)


def set_cookie(response: Response, cookie: str | None, secure: bool) -> None:
    if cookie:
        response.set_cookie(COOKIE, cookie, httponly=True, samesite="strict", secure=secure)


def check(request: Request, key: bytes, submitted: str | None) -> str | None:
    """Refuse a forged or missing token (403); the page's nonce when it has one of its own."""
    cookie = request.cookies.get(COOKIE)
    forged = Problem(403, "csrf", "the form was not sent from this site; reload it and try again")
    if not cookie or not submitted:
        raise forged
    if len(submitted) != _MADE + _NONCE + _MAC:
        if not hmac.compare_digest(token_for(key, cookie), submitted):
            raise forged
        return None
    nonce, mac = submitted[: _MADE + _NONCE], submitted[_MADE + _NONCE :]
    if not hmac.compare_digest(token_for(key, cookie + nonce), mac):
        raise forged
    try:
        made = int(nonce[:_MADE], 16)
    except ValueError:
        raise forged from None
    if time.time() - made > ONCE_VALID:
        raise Problem(403, "csrf", "this page is too old: reload it and send the form again")
    return nonce
