"""The request as the client sent it, when a TLS-terminating proxy (the Ingress) is in front.

Behind the proxy the app sees `http://intake:8000/...`; the worker's browser and the SMS
provider see `https://report.example.org/...`. Two ways to know the public side:

- `REDRESS_PUBLIC_URL` (per service): the scheme, host and any path prefix the public uses.
  Set, it wins: nothing a client sends can change it.
- otherwise the `X-Forwarded-Proto` and `X-Forwarded-Host` headers, believed only from a
  peer within `REDRESS_TRUSTED_PROXIES` (as `X-Forwarded-For` is for throttling): from
  anyone else they are forged, and ignored.

uvicorn runs with `proxy_headers=False` (`redress serve`): its own handling trusts a list of
its own and rewrites the scheme for every route; here one setting serves throttling,
cookies and signatures alike.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from redress.kit.settings import Settings
from redress.kit.throttle import within


def _settings(connection: HTTPConnection) -> Settings:
    settings: Settings = connection.app.state.runtime.settings
    return settings


def _forwarded(connection: HTTPConnection, header: str, settings: Settings) -> str | None:
    """The value a trusted proxy set (its own, the last of a list); None from anyone else."""
    peer = connection.client.host if connection.client else ""
    if not settings.trusted_proxies or not within(peer, settings.trusted_proxies):
        return None
    values = [v.strip() for v in connection.headers.get(header, "").split(",") if v.strip()]
    return values[-1] if values else None


def public_scheme(connection: HTTPConnection) -> str:
    settings = _settings(connection)
    if settings.public_url:
        return urlsplit(settings.public_url).scheme
    proto = (_forwarded(connection, "x-forwarded-proto", settings) or "").lower()
    return proto if proto in ("http", "https") else connection.url.scheme


def secure_cookies(connection: HTTPConnection) -> bool:
    """`Secure` on every cookie outside dev mode, and in dev mode when the public uses https."""
    return not _settings(connection).dev or public_scheme(connection) == "https"


def public_url(connection: HTTPConnection) -> str:
    """The URL the client (or the SMS provider, which signs it) used for this request."""
    path = connection.url.path
    query = f"?{connection.url.query}" if connection.url.query else ""
    return public_base(connection) + path + query


def public_base(connection: HTTPConnection) -> str:
    """The scheme, host and any path prefix the client reached this service at, without a
    trailing slash: what a path of the service is appended to."""
    settings = _settings(connection)
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = _forwarded(connection, "x-forwarded-host", settings)
    if host is None and _forwarded(connection, "x-forwarded-proto", settings) is None:
        return f"{connection.url.scheme}://{connection.url.netloc}"
    netloc = host or connection.headers.get("host") or connection.url.netloc
    return f"{public_scheme(connection)}://{netloc}"
