"""No cache keeps an API answer: the JSON APIs answer with decrypted personal data.

One rule for every service, rather than a header per route that a new route could forget:
every response under `/v1` (errors included) is `Cache-Control: no-store`, unless its
handler chose a policy of its own. Pages set the same header themselves.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_PREFIX = "/v1/"


class NoStore:
    def __init__(self, app: ASGIApp, prefix: str = API_PREFIX) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path + "/").startswith(self.prefix):
            await self.app(scope, receive, send)
            return

        async def no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, no_store)


def page_headers(
    *, images: bool = False, media: bool = False, scripts: tuple[str, ...] = ()
) -> dict[str, str]:
    """The headers of every server-rendered page: nothing cached, nothing loaded from
    elsewhere, no framing, no referrer (pages show personal data), and no script but the
    inline ones whose SHA-256 (base64) is in `scripts`. A page may show images and play
    recordings from its own origin (`images`, `media`)."""
    img = "img-src 'self'; " if images else ""
    img += "media-src 'self'; " if media else ""
    hashes = " ".join(f"'sha256-{h}'" for h in scripts)
    js = f"script-src {hashes}; " if scripts else ""
    return {
        "Cache-Control": "no-store",
        "Content-Security-Policy": f"default-src 'none'; style-src 'unsafe-inline'; {img}{js}"
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
