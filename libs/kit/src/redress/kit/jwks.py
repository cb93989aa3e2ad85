"""The identity provider's signing keys: found by OIDC discovery, fetched without blocking the
event loop, cached, and refreshed when a token names a key the cache does not hold.

A provider rotates its keys by publishing a new one (a new `kid`) and signing with it; the
first token naming that kid makes the platform fetch the key set again, so no restart is
needed. Fetches are rate-limited, so that tokens naming made-up kids cannot turn the service
into a load generator against the provider, and each has a deadline. When the provider cannot
be reached, the keys already fetched keep being used. The discovery document read for the keys
also names where the consoles send staff to sign in (`redress.kit.console.sign_in`): it is
kept, and read again only when a fetch of the keys reads it again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import structlog

log = structlog.get_logger("redress.auth")

DISCOVERY_PATH = "/.well-known/openid-configuration"


class KeysUnavailable(Exception):
    """No key set could be fetched from the identity provider, and none is cached."""


class ProviderKeys:
    """The signing keys of one identity provider, by `kid`."""

    def __init__(
        self,
        *,
        issuer: str | None,
        jwks_url: str | None,
        timeout: float,
        refresh_interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if issuer is None and jwks_url is None:
            raise ValueError("an issuer or a JWKS URL is needed")
        self.issuer = issuer
        self._jwks_url = jwks_url
        self._configured_url = jwks_url
        self._timeout = timeout
        self._interval = refresh_interval
        self._clock = clock
        self._keys: dict[str | None, jwt.PyJWK] | None = None
        self._document: dict[str, Any] | None = None
        self._last_attempt: float | None = None
        self._last_discovery: float | None = None
        self._failing = False
        self._lock = asyncio.Lock()

    async def key_for(self, kid: str | None) -> jwt.PyJWK:
        """The key named `kid`; a token without a kid is accepted only from a provider that
        publishes a single key."""
        key = self._lookup(kid)
        if key is not None:
            return key
        async with self._lock:
            key = self._lookup(kid)  # another request may have just refreshed
            if key is None and self._may_fetch():
                await self._refresh()
                key = self._lookup(kid)
        if key is not None:
            return key
        if self._keys is None:
            raise KeysUnavailable("the identity provider's keys could not be fetched")
        raise jwt.InvalidKeyError("the token names a key the identity provider does not publish")

    async def replaced(self, key: jwt.PyJWK) -> jwt.PyJWK | None:
        """The provider's single key if a refresh finds it is no longer `key`: a provider that
        signs without kids rotates by replacing its only key."""
        async with self._lock:
            if self._lookup(None) is key and self._may_fetch():
                await self._refresh()
            fresh = self._lookup(None)
        return fresh if fresh is not None and fresh is not key else None

    async def document(self) -> dict[str, Any]:
        """The provider's discovery document, as last read (with its keys, or here when none
        was read yet: rate-limited as key fetches are, so that sign-ins started while the
        provider is down do not hammer it either)."""
        if self._document is None and self.issuer is not None:
            async with self._lock:
                if self._document is None and self._may_discover():
                    try:
                        async with asyncio.timeout(self._timeout):
                            async with httpx.AsyncClient(timeout=self._timeout) as client:
                                self._document = await discovered(client, self.issuer)
                    except (httpx.HTTPError, TimeoutError, ValueError) as exc:
                        log.warning("identity provider discovery unavailable", reason=_said(exc))
        if self._document is None:
            raise KeysUnavailable("the identity provider's discovery document could not be read")
        return self._document

    def _may_discover(self) -> bool:
        now = self._clock()
        if self._last_discovery is not None and now - self._last_discovery < self._interval:
            return False
        self._last_discovery = now
        return True

    def _lookup(self, kid: str | None) -> jwt.PyJWK | None:
        if self._keys is None:
            return None
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid) if kid is not None else None

    def _may_fetch(self) -> bool:
        now = self._clock()
        if self._last_attempt is not None and now - self._last_attempt < self._interval:
            return False
        self._last_attempt = now
        return True

    async def _refresh(self) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                async with httpx.AsyncClient(timeout=self._timeout) as client:
                    self._keys = _signing_keys(await _get_json(client, await self._url(client)))
        except (httpx.HTTPError, TimeoutError, ValueError, jwt.PyJWTError) as exc:
            # A provider may move its JWKS: the next attempt reads the discovery document again.
            self._jwks_url = self._configured_url
            reason = _said(exc)
            if self._keys is None:
                log.warning("identity provider keys unavailable", reason=reason)
            elif not self._failing:
                # Once per outage: a provider down for an hour must not flood the log.
                log.warning("identity provider unreachable, using cached keys", reason=reason)
            self._failing = True
            return
        if self._failing:
            log.info("identity provider reachable again")
        self._failing = False
        log.info("identity provider keys fetched", kids=sorted(str(k) for k in self._keys))

    async def _url(self, client: httpx.AsyncClient) -> str:
        if self._jwks_url is None:
            assert self.issuer is not None
            self._document = await discovered(client, self.issuer)
            self._jwks_url = self._document["jwks_uri"]
        return self._jwks_url


def _said(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


async def discovered(client: httpx.AsyncClient, issuer: str) -> dict[str, Any]:
    """The provider's discovery document, which must name the same issuer (OpenID Connect
    Discovery 1.0, section 4.3: a document naming another issuer could be anyone's) and a
    JWKS URL."""
    document = await _get_json(client, issuer.rstrip("/") + DISCOVERY_PATH)
    if document.get("issuer") != issuer:
        raise ValueError(f"the discovery document names issuer {document.get('issuer')!r}")
    if not _is_url(document.get("jwks_uri")):
        raise ValueError("the discovery document has no jwks_uri")
    return document


def _is_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


async def _get_json(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    response = await client.get(url, headers={"Accept": "application/json"})
    response.raise_for_status()
    body = response.json()
    if not isinstance(body, dict):
        raise ValueError(f"{url} did not answer a JSON object")
    return body


def _signing_keys(document: dict[str, Any]) -> dict[str | None, jwt.PyJWK]:
    """The keys meant for signatures, by kid; keys of a type PyJWT cannot use are skipped, as
    a provider may publish encryption keys beside them."""
    keys: dict[str | None, jwt.PyJWK] = {}
    published = document.get("keys")
    if not isinstance(published, list):
        raise ValueError("the JWKS has no list of keys")
    for data in published:
        if not isinstance(data, dict) or data.get("use", "sig") != "sig":
            continue
        try:
            key = jwt.PyJWK(data)
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            continue
        keys[data.get("kid")] = key
    if not keys:
        raise ValueError("the JWKS holds no usable signing key")
    return keys
