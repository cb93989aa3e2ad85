"""How many events a runner's next batch may take: as many as keep its transaction short.

A transaction that writes holds the relay back until it ends (the log is published in
transaction order, ADR 6), whatever it writes. A runner catching up on a backlog in batches
that take seconds (a busy process, a slow projection) would stall delivery for every
service meanwhile. So a batch that took longer than `seconds` sizes the next one to fit in
that time; a quick one doubles it, up to `most`.
"""

from __future__ import annotations

# Where a runner starts: small enough to be quick anywhere, doubled after each quick batch.
FIRST = 50


class BatchSizing:
    def __init__(self, most: int, seconds: float) -> None:
        self.most = most
        self.seconds = seconds
        self.limit = min(most, FIRST)

    def took(self, size: int, elapsed: float) -> None:
        """A batch of `size` events was applied and committed in `elapsed` seconds."""
        if elapsed > self.seconds:
            self.limit = max(1, min(self.limit, int(size * self.seconds / elapsed)))
        elif elapsed < self.seconds / 2 and size >= self.limit:
            self.limit = min(self.most, self.limit * 2)
