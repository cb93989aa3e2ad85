"""Fresh planner statistics for a projection's tables while they grow from nothing.

A rebuild fills its tables from empty, and autovacuum analyses a table a minute apart at
best (`autovacuum_naptime`), while a rebuild takes seconds to minutes. A plan chosen while
a table held a few hundred rows stays while it grows a hundredfold: the facts of metrics
looked up each case's grievance with a sequential scan of the growing cases table, one
scan per fact, and a rebuild ran at a sixth of its rate (docs/performance.md). So a
runner analyses its projection's tables each time its position has doubled since it
started: about ten times over a rebuild of a million events, and hardly ever for a live
runner, which starts where its tables already are.
"""

from __future__ import annotations

import structlog

from redress.events.projection.model import Projection
from redress.events.store import Conn

log = structlog.get_logger("redress.projection")

# Below this many events a table's statistics hardly matter.
FIRST = 1000


class Growth:
    """When to analyse: at FIRST, then each time the position doubles."""

    def __init__(self) -> None:
        self.due = FIRST

    def start(self, position: int) -> None:
        self.due = max(FIRST, 2 * position)

    def reached(self, position: int) -> bool:
        if position < self.due:
            return False
        self.due = 2 * position
        return True


async def analyse(conn: Conn, projection: Projection, schema: str, timeout: float) -> None:
    """ANALYZE the projection's tables in `schema`; a failure only costs the fresh plans."""
    tables = ", ".join(f'"{schema}"."{table}"' for table in projection.tables)
    if not tables:
        return
    try:
        await conn.execute(f"ANALYZE {tables}", timeout=timeout)
    except Exception as exc:  # the batches go on with the plans they have
        log.warning("tables not analysed", projection=projection.key, error=repr(exc))
