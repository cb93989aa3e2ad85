"""A small projection and helpers shared by the event machinery's tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg

from redress.events.catalogue.case import CaseOpened
from redress.events.envelope import Event, Metadata
from redress.events.ids import new_id, new_stream
from redress.events.migrations import Component
from redress.events.projection import Projection

META = Metadata(tenant="acme")

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS {schema}.opened (
    stream text PRIMARY KEY, category text NOT NULL, version int NOT NULL, position bigint NOT NULL
);
"""


def opened(category: str = "wages_and_benefits") -> CaseOpened:
    return CaseOpened(case_id="c", grievance_id="g", category=category, country="BD")


class OpenedCases(Projection):
    """Counts opened cases; a test may make one category poisonous."""

    name = "opened"
    schema = "intake"
    tables = ("opened",)

    def __init__(self) -> None:
        self.poison: str | None = None

    async def apply(self, conn: asyncpg.Connection, event: Event) -> None:
        assert isinstance(event.data, CaseOpened)
        if event.data.category == self.poison:
            raise ValueError(f"cannot project category {self.poison}")
        await conn.execute(
            "INSERT INTO intake.opened VALUES ($1, $2, $3, $4)",
            event.stream,
            event.data.category,
            event.version,
            event.position,
        )


def component(tmp_dir: str) -> Component:
    from pathlib import Path

    d = Path(tmp_dir)
    (d / "001_opened.sql").write_text(SCHEMA_SQL.format(schema="intake"))
    return Component("intake", d, schema="intake")


async def wait_until(
    check: Callable[[], Awaitable[bool]], timeout: float = 30.0, interval: float = 0.02
) -> None:
    """Wait for a condition with a deadline; fail the test if it never holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def running(coro: Awaitable[None]) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.ensure_future(coro)
    try:
        yield task
    finally:
        # Python 3.11 can swallow a cancel that lands as an awaited result arrives: cancel
        # again until the task has stopped, and say so if it never does.
        for _ in range(100):
            task.cancel()
            done, _ = await asyncio.wait({task}, timeout=0.1)
            if done:
                break
        else:
            raise AssertionError(f"{task.get_name()} did not stop when cancelled")
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


def new_case() -> str:
    return new_stream("case")


async def written_by_another_build(
    system, stream: str, kind: str, schemaversion: int, data: dict[str, Any], version: int = 1
) -> None:
    """An event as a producer of another build appends it (the store here would refuse a
    type or version its catalogue does not have): straight into the log."""
    async with system.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO eventlog.events (id, stream, version, type, schemaversion, tenant, "
            "data, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)",
            new_id(), stream, version, kind, schemaversion, META.tenant, json.dumps(data),
            json.dumps({"actor": {"id": "redress", "role": "system"}}),
        )  # fmt: skip
