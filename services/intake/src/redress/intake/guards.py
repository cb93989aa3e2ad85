"""Throttling receipt guesses, in memory only: by client and by reference.

A client is known only by a keyed hash of its address (the key is random per process and
never leaves it), forgotten an hour after its first failure; nothing is stored. Each client
gets a few free failures, then a delay that doubles with each further failure, so one client
cannot spend another's attempts. A reference under attack from many clients gets a delay
too, capped at a minute, so that guessers can slow the holder of the right secret but never
lock them out; a success by the holder clears it. Unknown references cost a little memory
for an hour, never a row.

The numbers make guessing hopeless: a secret has 10^16 values and a client gets about
seventeen tries an hour. Only a new guess counts: the same wrong secret sent again by the
same client for the same reference (a worker reloading the page that said it was wrong,
which sends the form again) tells nobody anything new, and costs no try. What was tried is
kept as 32 bits of a keyed hash, in memory, for the hour.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Strikes:
    since: float  # first failure: the entry is forgotten `window` after it
    failures: int = 0
    until: float = 0.0  # no try is checked before this


class _Ledger:
    """Strikes per key, forgotten `window` seconds after their first failure."""

    def __init__(self, free: int, cap: float, window: float, max_entries: int) -> None:
        self.free, self.cap, self.window, self.max_entries = free, cap, window, max_entries
        self.entries: OrderedDict[object, _Strikes] = OrderedDict()

    def expire(self, now: float) -> None:
        # Entries are kept in order of their first failure, so the oldest come first.
        while self.entries:
            key, strikes = next(iter(self.entries.items()))
            if strikes.since + self.window > now and len(self.entries) <= self.max_entries:
                break
            del self.entries[key]

    def wait(self, key: object, now: float) -> float:
        strikes = self.entries.get(key)
        return max(0.0, strikes.until - now) if strikes else 0.0

    def fail(self, key: object, now: float) -> None:
        strikes = self.entries.setdefault(key, _Strikes(since=now))
        strikes.failures += 1
        beyond = strikes.failures - self.free  # 0 at the last free failure: wait 1 s
        if beyond >= 0:
            strikes.until = now + min(2.0**beyond, self.cap)

    def forget(self, key: object) -> None:
        self.entries.pop(key, None)


class _Tried:
    """Keys seen in the last `window` seconds, at most `max_entries` of them."""

    def __init__(self, window: float, max_entries: int) -> None:
        self.window, self.max_entries = window, max_entries
        self.entries: OrderedDict[str, float] = OrderedDict()

    def first(self, key: str, now: float) -> bool:
        """Whether `key` is new; it is remembered either way."""
        while self.entries:
            oldest, since = next(iter(self.entries.items()))
            if since + self.window > now and len(self.entries) < self.max_entries:
                break
            del self.entries[oldest]
        if key in self.entries:
            return False
        self.entries[key] = now
        return True


class ReceiptGuard:
    """Whether a client may try a receipt now; what to remember when it failed or succeeded."""

    def __init__(
        self,
        *,
        free_per_client: int = 5,
        client_cap: float = 900.0,
        free_per_reference: int = 20,
        reference_cap: float = 60.0,
        window: float = 3600.0,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._key = os.urandom(32)
        self.clock = clock
        self.clients = _Ledger(free_per_client, client_cap, window, max_entries)
        self.references = _Ledger(free_per_reference, reference_cap, window, max_entries)
        self.tried = _Tried(window, max_entries)

    def client(self, address: str) -> str:
        return hmac.new(self._key, address.encode(), hashlib.sha256).hexdigest()[:32]

    def wait(self, client: str, reference: tuple[str, str]) -> float:
        """Seconds before this client may try this reference; 0 when it may try now."""
        now = self.clock()
        self.clients.expire(now)
        self.references.expire(now)
        return max(self.clients.wait(client, now), self.references.wait(reference, now))

    def failed(self, client: str, reference: tuple[str, str], secret: str) -> None:
        """A wrong secret: a strike for the client and the reference, unless this client
        tried this very secret for this reference already."""
        now = self.clock()
        digits = "".join(ch for ch in secret if ch.isdigit())  # as the receipt is checked
        guess = "\x00".join((client, *reference, digits))
        # 32 bits of a keyed hash: enough to know a repeat, too few to tell a wrong secret
        # (which may be the right one mistyped) from millions of others, were the process's
        # memory ever read.
        tried = hmac.new(self._key, guess.encode(), "sha256").hexdigest()[:8]
        if not self.tried.first(tried, now):
            return
        self.clients.fail(client, now)
        self.references.fail(reference, now)

    def succeeded(self, reference: tuple[str, str]) -> None:
        # Only the holder of the secret gets here: the reference is no longer under attack
        # for them. The client's own count stays, or a guesser could reset it with a receipt
        # of their own.
        self.references.forget(reference)


class OperatorGuard:
    """Receipt tries by operators, throttled per operator (tenant and subject), never by the
    reference: a worker's reference is not locked by an operator mistyping it, and an
    operator cannot try receipts faster than a web client."""

    def __init__(
        self,
        *,
        free: int = 10,
        cap: float = 900.0,
        window: float = 3600.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self.operators = _Ledger(free, cap, window, max_entries)

    def wait(self, operator: tuple[str, str]) -> float:
        now = self.clock()
        self.operators.expire(now)
        return self.operators.wait(operator, now)

    def failed(self, operator: tuple[str, str]) -> None:
        self.operators.fail(operator, self.clock())
