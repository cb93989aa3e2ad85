"""Read models of the metrics service: counts only, never a grievance's content."""

from __future__ import annotations

from collections import Counter

from redress.events.catalogue.grievance import GrievanceSubmitted
from redress.events.envelope import Event
from redress.events.projection import Projection
from redress.events.store import Conn

_COUNT = """
INSERT INTO grievance_counts AS c (tenant, country, category, channel, received)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[])
ON CONFLICT (tenant, country, category, channel)
DO UPDATE SET received = c.received + excluded.received
"""


class GrievanceCounts(Projection):
    name = "counts"
    schema = "metrics"
    stream_types = ("grievance",)
    handles = (GrievanceSubmitted,)
    tables = ("grievance_counts",)

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        """One upsert for the batch: each key's grievances counted first."""
        counted: Counter[tuple[str, str | None, str, str]] = Counter()
        for event in events:
            match event.data:
                case GrievanceSubmitted(country=country, category=category, channel=channel):
                    counted[(event.tenant, country, category.value, channel.value)] += 1
        if counted:
            keys = list(counted)
            columns = [list(column) for column in zip(*keys, strict=True)]
            await conn.execute(_COUNT, *columns, [counted[k] for k in keys])
