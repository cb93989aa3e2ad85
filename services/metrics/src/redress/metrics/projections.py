"""Read models of the metrics service: counts only, never a grievance's content."""

from __future__ import annotations

from redress.events.catalogue.grievance import GrievanceSubmitted
from redress.events.envelope import Event
from redress.events.projection import Projection
from redress.events.store import Conn


class GrievanceCounts(Projection):
    name = "counts"
    schema = "metrics"
    stream_types = ("grievance",)
    handles = (GrievanceSubmitted,)
    tables = ("grievance_counts",)

    async def apply(self, conn: Conn, event: Event) -> None:
        match event.data:
            case GrievanceSubmitted(country=country, category=category, channel=channel):
                await conn.execute(
                    """INSERT INTO grievance_counts AS c
                           (tenant, country, category, channel, received)
                       VALUES ($1, $2, $3, $4, 1)
                       ON CONFLICT (tenant, country, category, channel)
                       DO UPDATE SET received = c.received + 1""",
                    event.tenant,
                    country,
                    category.value,
                    channel.value,
                )
