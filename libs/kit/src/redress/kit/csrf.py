"""CSRF protection for server-rendered forms: a cookie, and its HMAC in a hidden field.

A forged or missing token answers 403 and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from redress.kit.errors import Problem

COOKIE = "csrf"


def token_for(key: bytes, cookie: str) -> str:
    return hmac.new(key, cookie.encode(), hashlib.sha256).hexdigest()


def issue(request: Request, key: bytes) -> tuple[str, str | None]:
    """The form token, and a new cookie value to set when the browser has none yet."""
    cookie = request.cookies.get(COOKIE)
    if cookie and len(cookie) == 32:
        return token_for(key, cookie), None
    cookie = secrets.token_hex(16)
    return token_for(key, cookie), cookie


def set_cookie(response: Response, cookie: str | None, secure: bool) -> None:
    if cookie:
        response.set_cookie(COOKIE, cookie, httponly=True, samesite="strict", secure=secure)


def check(request: Request, key: bytes, submitted: str | None) -> None:
    cookie = request.cookies.get(COOKIE)
    if not cookie or not submitted or not hmac.compare_digest(token_for(key, cookie), submitted):
        raise Problem(403, "csrf", "the form was not sent from this site; reload it and try again")
