"""One attempt: a signed POST to the checked address, answered within its deadlines.

Redirects are not followed (a 3xx is a failure: the subscriber must register the URL it
means), at most `response_cap` bytes of an answer are read and none is kept, proxies from
the environment are ignored (a proxy would connect to what the guard did not check), and
connections are pooled per endpoint only, so a TLS session opened for one subscriber's name
never carries another's request.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from redress.kit.webhooks.guard import Guard, Refused
from redress.kit.webhooks.secrets import headers

USER_AGENT = "Redress-Webhooks/1"
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0
    read: float = 15.0
    total: float = 30.0  # the whole attempt, however slowly an answer trickles in
    response_cap: int = 16_384


@dataclass(frozen=True)
class Outcome:
    status: int | None
    latency_ms: int
    error: str | None = None
    retry_after: float | None = None  # seconds the subscriber asked us to wait (429, 503)

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        """410: the subscriber wants no more webhooks at this endpoint."""
        return self.status == 410


class Sender:
    """Sends attempts, with a small pool of HTTP clients, one per endpoint."""

    def __init__(
        self,
        guard: Guard,
        timeouts: Timeouts | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        pools: int = 256,
    ) -> None:
        self.guard = guard
        self.timeouts = timeouts or Timeouts()
        self.transport = transport
        self.pools = pools
        self._clients: OrderedDict[str, httpx.AsyncClient] = OrderedDict()
        self._closing: set[asyncio.Task[None]] = set()

    def _client(self, key: str) -> httpx.AsyncClient:
        client = self._clients.get(key)
        if client is None:
            t = self.timeouts
            client = httpx.AsyncClient(
                follow_redirects=False,
                trust_env=False,
                timeout=httpx.Timeout(t.read, connect=t.connect, pool=t.connect),
                limits=httpx.Limits(max_connections=32, max_keepalive_connections=8),
                transport=self.transport,
                headers={"user-agent": USER_AGENT},
            )
            self._clients[key] = client
            while len(self._clients) > self.pools:
                _, old = self._clients.popitem(last=False)
                closing = asyncio.get_running_loop().create_task(old.aclose())
                self._closing.add(closing)
                closing.add_done_callback(self._closing.discard)
        self._clients.move_to_end(key)
        return client

    async def send(
        self,
        endpoint: str,
        url: str,
        webhook_id: str,
        body: str,
        secrets: Sequence[str],
        at: datetime,
    ) -> Outcome:
        """POST `body` to `url` for `endpoint`, signed with each of `secrets` at `at`."""
        started = time.monotonic()

        def done(
            status: int | None, error: str | None = None, wait: float | None = None
        ) -> Outcome:
            return Outcome(status, round((time.monotonic() - started) * 1000), error, wait)

        try:
            target = await self.guard.target(url)
        except Refused as exc:
            return done(None, f"refused: {exc}")
        request_headers = {
            **headers(secrets, webhook_id, at, body),
            "content-type": CONTENT_TYPE,
            "host": target.host,
        }
        extensions: dict[str, Any] = {}
        if target.server_name:
            extensions["sni_hostname"] = target.server_name
        # Per endpoint and name: a pooled connection is only reused for the name it was
        # opened (and its certificate checked) for.
        client = self._client(f"{endpoint} {target.host}")
        try:
            async with asyncio.timeout(self.timeouts.total):
                request = client.build_request(
                    "POST",
                    target.url,
                    content=body.encode(),
                    headers=request_headers,
                    extensions=extensions,
                )
                response = await client.send(request, stream=True)
                try:
                    await _read_capped(response, self.timeouts.response_cap)
                finally:
                    await response.aclose()
        except TimeoutError:
            return done(None, "timed out")
        except httpx.TimeoutException as exc:
            return done(None, f"timed out ({type(exc).__name__})")
        except httpx.HTTPError as exc:
            return done(None, f"{type(exc).__name__}: {str(exc)[:200]}")
        if response.is_redirect:
            return done(response.status_code, "redirect not followed")
        if not 200 <= response.status_code < 300:
            wait = _retry_after(response.headers.get("retry-after"))
            return done(response.status_code, f"HTTP {response.status_code}", wait)
        return done(response.status_code)

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), OrderedDict()
        for client in clients:
            await client.aclose()


async def _read_capped(response: httpx.Response, cap: int) -> None:
    """Read at most `cap` bytes of the answer (and drop them): nothing of it is kept."""
    read = 0
    async for chunk in response.aiter_raw():
        read += len(chunk)
        if read >= cap:
            break


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is not honoured: clocks differ)."""
    if value is None or not value.strip().isdigit():
        return None
    return float(value.strip())
