"""How long and how often a webhook is tried, and when an endpoint is given a rest.

Retries: after the n-th failed attempt of a delivery the next comes `first * factor**(n-1)`
later, at most `cap`, stretched or shrunk by up to `jitter` at random so that many
deliveries failing together do not come back together. A failure once `horizon` has passed
since the delivery's first attempt makes it a dead letter. With the defaults:

    15 s, 1 min, 4 min, 16 min, 64 min, 4 h 16 min, then every 6 h; dead after 3 days
    (about 19 attempts).

Circuit breaker, per endpoint: `threshold` consecutive failed attempts open it for
`cooldown`; then one delivery probes the endpoint. A failed probe opens it again for twice
as long (at most `cooldown_cap`); a success closes it and brings the endpoint's waiting
deliveries forward. An endpoint with no successful attempt for `disable_after` (5 days:
longer than a delivery's horizon, so that a subscriber back after 4 days gets what waited
for it by itself) is disabled at its next failure, and an admin notice is written; so is an
endpoint that answers 410 Gone.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class RetryPolicy:
    first: timedelta = timedelta(seconds=15)
    factor: float = 4.0
    cap: timedelta = timedelta(hours=6)
    jitter: float = 0.2
    horizon: timedelta = timedelta(days=3)

    def nominal(self, failures: int) -> timedelta:
        """The wait after the `failures`-th failed attempt, before jitter."""
        exponent = min(failures - 1, 64)
        seconds = self.first.total_seconds() * self.factor**exponent
        return min(self.cap, timedelta(seconds=seconds))

    def delay(self, failures: int, rand: Callable[[], float] = random.random) -> timedelta:
        spread = 1 + self.jitter * (2 * rand() - 1)
        return self.nominal(failures) * spread

    def schedule(self) -> list[timedelta]:
        """The nominal waits between attempts until the horizon is passed (for the docs)."""
        waits: list[timedelta] = []
        elapsed = timedelta(0)
        while elapsed < self.horizon:
            wait = self.nominal(len(waits) + 1)
            waits.append(wait)
            elapsed += wait
        return waits


@dataclass(frozen=True)
class BreakerPolicy:
    threshold: int = 5
    cooldown: timedelta = timedelta(seconds=30)
    cooldown_cap: timedelta = timedelta(minutes=10)
    disable_after: timedelta = timedelta(days=5)

    def open_for(self, trips: int) -> timedelta:
        doubled: timedelta = self.cooldown * 2 ** min(max(trips - 1, 0), 32)
        return min(self.cooldown_cap, doubled)
