"""Throttling anonymous clients without knowing who they are.

A client is held only as an HMAC of its address under a key drawn at random when the
process starts and never written anywhere: the platform cannot tell from memory, a dump or
a crash report which address made a request, and a restart forgets everything. Buckets
idle long enough to be full again are dropped, and none is kept longer than an hour.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.requests import HTTPConnection

# Swept every minute (or on each check): gone within the hour whatever the traffic.
FORGET_AFTER = 3540.0
MAX_KEYS = 100_000

_KEY = secrets.token_bytes(32)


def keyed(value: str) -> bytes:
    """The HMAC under which a client (or anything identifying) is held in memory."""
    return hmac.new(_KEY, value.encode(), hashlib.sha256).digest()[:16]


@dataclass
class _Bucket:
    tokens: float
    seen: float


class Throttle:
    """A token bucket per key: `burst` at once, then `per_hour` spread over the hour.

    `check(key)` spends a token and answers None, or answers how many seconds to wait
    (for `Retry-After`). Keys are hashed on the way in: pass the raw address.
    """

    def __init__(
        self,
        per_hour: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        if per_hour <= 0 or burst < 1:
            raise ValueError("a throttle needs a positive rate and a burst of at least 1")
        self.rate = per_hour / 3600.0
        self.burst = burst
        self.clock = clock
        self.max_keys = max_keys
        # Forgotten once full again: a returning client starts where a new one does.
        self.forget_after = min(FORGET_AFTER, burst / self.rate)
        self._buckets: OrderedDict[bytes, _Bucket] = OrderedDict()

    def check(self, key: str) -> float | None:
        now = self.clock()
        self.forget(now)
        hashed = keyed(key)
        bucket = self._buckets.pop(hashed, None) or _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.seen) * self.rate)
        bucket.seen = now
        self._buckets[hashed] = bucket  # the most recently seen last
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return (1 - bucket.tokens) / self.rate

    def __len__(self) -> int:
        return len(self._buckets)

    def forget(self, now: float | None = None) -> None:
        """Drop the buckets that are full again or older than an hour (call it now and then:
        without traffic nothing else would)."""
        now = self.clock() if now is None else now
        while self._buckets:
            oldest = next(iter(self._buckets.values()))
            if now - oldest.seen < self.forget_after and len(self._buckets) < self.max_keys:
                return
            self._buckets.popitem(last=False)


def retry_after(seconds: float) -> dict[str, str]:
    """The `Retry-After` header for a wait, in whole seconds (at least one)."""
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


def client_address(connection: HTTPConnection, trusted_proxies: Sequence[str] = ()) -> str:
    """The client as the connection reports it, or as a trusted proxy in front reports it.

    `X-Forwarded-For` is believed only from a trusted proxy (addresses or networks), and
    read from the right: the first address no trusted proxy owns is the client.
    """
    peer = connection.client.host if connection.client else ""
    if not trusted_proxies or not within(peer, trusted_proxies):
        return peer
    hops = [h.strip() for h in connection.headers.get("x-forwarded-for", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        if not within(hop, trusted_proxies):
            return hop
    return peer


def within(address: str, networks: Sequence[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)
