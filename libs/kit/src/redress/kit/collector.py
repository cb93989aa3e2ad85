"""Python's garbage collector, set for processes that decode events by the thousand.

The collector's youngest generation runs every 700 net allocations by default. A runner
decoding an event allocates a few dozen objects, so a replay ran a collection every few
dozen events, each also walking what survived into older generations: about a sixth of a
metrics rebuild's time (docs/performance.md). Nothing in the platform relies on prompt
collection of cycles (connections and files are closed explicitly), so a process collects
a hundred times less often, and what it loaded at start (modules, schemas, the catalogue)
is frozen out of the collector's walks for good.
"""

from __future__ import annotations

import gc

THRESHOLDS = (70_000, 10, 10)


def tune() -> None:
    """Freeze what is loaded by now and collect less often; once, before the work starts."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
