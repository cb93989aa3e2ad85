"""How each service's database pool for requests was used: the figures its size is chosen from.

Read from each service's `/metrics` (`redress_db_pool_*`, redress.kit.exposition) right after
the run at the offered rate: the most connections lent out at once since the process started,
and the acquires that found every connection lent out, with the time they waited.
"""

from __future__ import annotations

from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from redress.kit import registry

FIGURES = {
    "redress_db_pool_size": "size",
    "redress_db_pool_peak_in_use": "peak",
    "redress_db_pool_queued_total": "queued",
    "redress_db_pool_queued_seconds_total": "queued_seconds",
}


async def read(pool: str = "requests") -> dict[str, dict[str, float]]:
    """Each service's figures for `pool` ("requests" or "delivery")."""
    found: dict[str, dict[str, float]] = {}
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0)) as client:
        for name, port in registry.PORTS.items():
            answer = await client.get(f"http://127.0.0.1:{port}/metrics")
            answer.raise_for_status()
            found[name] = {
                FIGURES[sample.name]: sample.value
                for family in text_string_to_metric_families(answer.text)
                for sample in family.samples
                if sample.name in FIGURES and sample.labels.get("pool") == pool
            }
    return found


def note(figures: dict[str, Any], rate: float) -> str:
    def one(name: str, f: dict[str, float]) -> str:
        queued = f"{f.get('queued', 0):.0f} queued ({f.get('queued_seconds', 0):.2f} s)"
        return f"{name} {f.get('peak', 0):.0f} of {f.get('size', 0):.0f}, {queued}"

    return (
        f"e2e: database connections for requests, most lent out at once by {rate:.0f}/s of "
        "the run (of the pool's size), and acquires that found none free: "
        + "; ".join(one(name, f) for name, f in figures.items())
        + "."
    )
