"""Signing in to a console at the initiative's identity provider: OpenID Connect's
authorization code flow, with PKCE, `state` and `nonce` (ADR 56). Offered only where
`REDRESS_OIDC_CLIENT_ID` is set; the token form stays beside it. Any set of staff pages with
a login page and a session cookie of its own signs in through it (`Pages`): the kit's
`Console`, and a service's pages with a login of their own.

`{console}/login/start` sends the browser to the provider's authorization endpoint, named by
the discovery document the kit reads for the provider's keys. What the return must match (the
state, the nonce, the PKCE verifier) rides in a cookie of the console's path, sealed under a
key derived for it, for ten minutes; SameSite=Lax, as it must come back with the provider's
redirect. `{console}/login/callback` takes each return once: it checks the state, exchanges
the code at the token endpoint, verifies the ID token as every request's token is verified
(and its nonce and authorized party), and keeps it as a pasted token is kept. Any failure
is the login page saying why, and signs no one in. Neither the code nor a token reaches a
log line.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import time
from typing import Any, Protocol
from urllib.parse import quote, urlencode

import httpx
import structlog
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import Request
from starlette.responses import RedirectResponse, Response

from redress.kit.auth import InvalidToken, NotThisClients, Principal
from redress.kit.console.forms import taken_first
from redress.kit.errors import Problem
from redress.kit.fingerprints import derived
from redress.kit.jwks import KeysUnavailable
from redress.kit.proxy import public_base, secure_cookies

log = structlog.get_logger("redress.auth")

COOKIE = "staff_sign_in"
SECONDS = 10 * 60
_PURPOSE = "console-sign-in"
MAX_TOKEN = 8192

NOT_STARTED = (
    "this sign-in was not started in this browser, was already used, or took longer than"
    " 10 minutes. Sign in again."
)
UNREACHABLE = (
    "your organisation's account could not be reached to finish signing in. Try again in a moment."
)
NOT_FINISHED = "your organisation's account did not finish signing you in. Sign in again."
INVALID = "the identity provider's answer was refused: its token is invalid or expired."
ANOTHER_CLIENTS = (
    "the identity provider's answer was refused: its token was issued to another application."
)

# The provider's error codes (RFC 6749, 4.1.2.1; OpenID Connect Core, 3.1.2.6) said in words;
# its free text is not shown, as anyone can make a link carrying one.
PROVIDER_SAID = {
    "access_denied": "the sign-in was cancelled or refused at your organisation's account",
    "login_required": "you are not signed in at your organisation's account",
    "consent_required": "your organisation's account asks you to agree to this sign-in",
}


class Pages(Protocol):
    """Staff pages that sign people in at the provider: where they are (the cookies' path, and
    the callback's under it), whom they admit, their login page (`error="sign-in"` with a
    `reason`, or `error="not-staff"` for one they do not admit), how they keep a session, and
    the page that moves on to them once signed in."""

    path: str

    def admits(self, principal: Principal, /) -> bool: ...

    def login_page(self, request: Request, status: int = 200, **context: Any) -> Response: ...

    def keep_session(self, request: Request, token: str, response: Response) -> Response: ...

    def signed_in_page(self) -> Response: ...


class Refused(Exception):
    """A return from the provider that signs no one in: `reason` is the member of staff's,
    `logged` the log's (never the code nor a token)."""

    def __init__(self, status: int, reason: str, logged: str, error: str = "sign-in") -> None:
        super().__init__(logged)
        self.status, self.reason, self.logged, self.error = status, reason, logged, error


def redirect_uri(request: Request, pages: Pages) -> str:
    """Where the provider sends the browser back: registered at the provider, per set of pages."""
    return f"{public_base(request)}{pages.path}/login/callback"


async def start(pages: Pages, request: Request) -> Response:
    settings = _configured(request)
    try:
        endpoint = await _endpoint(request, "authorization_endpoint")
    except KeysUnavailable:
        return pages.login_page(request, 503, error="sign-in", reason=UNREACHABLE)
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    challenge = _b64(hashlib.sha256(verifier.encode()).digest())
    asked = urlencode({
        "response_type": "code", "client_id": settings.oidc_client_id,
        "redirect_uri": redirect_uri(request, pages), "scope": settings.oidc_scope,
        "state": state, "nonce": nonce, "code_challenge": challenge,
        "code_challenge_method": "S256",
    })  # fmt: skip
    response = RedirectResponse(f"{endpoint}{'&' if '?' in endpoint else '?'}{asked}", 303)
    pending = {"state": state, "nonce": nonce, "verifier": verifier}
    response.set_cookie(
        COOKIE, _seal(_key(request), pages.path, pending), max_age=SECONDS,
        path=pages.path, httponly=True, samesite="lax", secure=secure_cookies(request),
    )  # fmt: skip
    return response


async def callback(pages: Pages, request: Request) -> Response:
    _configured(request)
    response: Response
    try:
        token = await _returned(pages, request)
    except Refused as exc:
        log.info("console sign-in refused", console=pages.path, reason=exc.logged)
        response = pages.login_page(request, exc.status, error=exc.error, reason=exc.reason)
    else:
        response = pages.keep_session(request, token, pages.signed_in_page())
    # One return per sign-in, whatever came of it.
    response.delete_cookie(
        COOKIE, path=pages.path, httponly=True, samesite="lax", secure=secure_cookies(request)
    )
    return response


async def _returned(pages: Pages, request: Request) -> str:
    """The ID token of the provider's return to the callback, checked; `Refused` otherwise."""
    asked = request.query_params
    if (error := asked.get("error")) is not None:
        code = error if re.fullmatch(r"[a-z_]{1,40}", error) else "unknown"
        raise Refused(400, PROVIDER_SAID.get(code, NOT_FINISHED), f"provider error {code}")
    pending = _unseal(_key(request), pages.path, request.cookies.get(COOKIE))
    if pending is None:
        raise Refused(400, NOT_STARTED, "no sign-in pending in the browser")
    state, code = asked.get("state") or "", asked.get("code") or ""
    if not hmac.compare_digest(state.encode(), str(pending.get("state")).encode()):
        raise Refused(400, NOT_STARTED, "the state is not the sign-in's")
    if not code or len(code) > 2048:
        raise Refused(400, NOT_FINISHED, "no code returned")
    await _once(request, state)
    token = await _exchange(pages, request, code, str(pending.get("verifier")))
    try:
        principal: Principal = await request.app.state.runtime.verifier.verify(
            token, nonce=str(pending.get("nonce"))
        )
    except NotThisClients as exc:
        raise Refused(401, ANOTHER_CLIENTS, f"ID token refused: {exc.reason}") from None
    except InvalidToken as exc:
        raise Refused(401, INVALID, f"ID token refused: {exc.reason}") from None
    except KeysUnavailable:
        raise Refused(503, UNREACHABLE, "the provider's keys are unavailable") from None
    if not pages.admits(principal):
        raise Refused(403, "", "not admitted by the pages", error="not-staff")
    return token


async def _exchange(pages: Pages, request: Request, code: str, verifier: str) -> str:
    """The ID token the token endpoint gives for `code`, within the kit's deadline for the
    provider (`REDRESS_JWKS_TIMEOUT`)."""
    settings = request.app.state.runtime.settings
    form = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
            "redirect_uri": redirect_uri(request, pages)}  # fmt: skip
    headers = {"Accept": "application/json"}
    if settings.oidc_client_secret is None:
        form["client_id"] = settings.oidc_client_id  # a public client names itself
    else:  # client_secret_basic, each part form-encoded first (RFC 6749, 2.3.1)
        secret = settings.oidc_client_secret.get_secret_value()
        pair = f"{quote(settings.oidc_client_id, safe='')}:{quote(secret, safe='')}"
        headers["Authorization"] = f"Basic {base64.b64encode(pair.encode()).decode()}"
    timeout = settings.jwks_timeout
    try:
        endpoint = await _endpoint(request, "token_endpoint")
        async with asyncio.timeout(timeout):
            async with httpx.AsyncClient(timeout=timeout) as client:
                answer = await client.post(endpoint, data=form, headers=headers)
    except (httpx.HTTPError, TimeoutError, KeysUnavailable) as exc:
        raise Refused(503, UNREACHABLE, f"token endpoint: {type(exc).__name__}") from None
    try:
        body = answer.json()
    except ValueError:
        body = None
    said = body.get("error") if isinstance(body, dict) else None
    token = body.get("id_token") if isinstance(body, dict) else None
    if answer.status_code != 200 or not isinstance(token, str) or len(token) > MAX_TOKEN:
        error = said if isinstance(said, str) and re.fullmatch(r"[a-z_]{1,40}", said) else None
        logged = f"token endpoint answered {answer.status_code} ({error or 'no id_token'})"
        raise Refused(502, NOT_FINISHED, logged)
    return token


async def _once(request: Request, state: str) -> None:
    """Record the sign-in's return as taken, as a console's sent forms are: a return replayed
    (with its cookie) never reaches the provider again. A hash: it says nothing of the state."""
    taken = hashlib.sha256(f"sign-in {state}".encode()).hexdigest()
    if not await taken_first(request, taken):
        raise Refused(400, NOT_STARTED, "the sign-in's return was already taken")


def _configured(request: Request) -> Any:
    settings = request.app.state.runtime.settings
    if not settings.sign_in:
        raise Problem(404, "not-found", "sign-in at the identity provider is not configured")
    return settings


async def _endpoint(request: Request, name: str) -> str:
    provider = request.app.state.runtime.verifier.provider
    if provider is None:
        raise KeysUnavailable("no identity provider")
    url = (await provider.document()).get(name)
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise KeysUnavailable(f"the discovery document names no {name}")
    return url


def _key(request: Request) -> bytes:
    return derived(request, _PURPOSE)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _seal(key: bytes, path: str, value: dict[str, str]) -> str:
    nonce = os.urandom(12)
    body = json.dumps({"v": value, "exp": int(time.time()) + SECONDS}).encode()
    return _b64(nonce + AESGCM(key).encrypt(nonce, body, f"{_PURPOSE} {path}".encode()))


def _unseal(key: bytes, path: str, sealed: str | None) -> dict[str, Any] | None:
    """The pending sign-in, unless missing, forged, of another console's, or expired."""
    if not sealed or len(sealed) > 1000:
        return None
    try:
        raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
        body = json.loads(AESGCM(key).decrypt(raw[:12], raw[12:], f"{_PURPOSE} {path}".encode()))
    except (ValueError, InvalidTag):
        return None
    if not isinstance(body, dict) or not isinstance(body.get("v"), dict):
        return None
    value: dict[str, Any] = body["v"]
    return value if body.get("exp", 0) >= time.time() else None
