"""The moment of the step being taken in the made-up history, and what reads it.

Every connection the generator takes from its pool is stamped with it (`redress.event_time`,
docs/decisions/0022-synthetic-history.md), so the events say when they happened; the
handlers' clocks read the same moment (`SyntheticClock`).
"""

from __future__ import annotations

import weakref
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

NOW: ContextVar[datetime | None] = ContextVar("synthetic_now", default=None)


class SyntheticClock:
    """The moment of the step being taken, for the handlers' `today()`."""

    def now(self) -> datetime:
        at = NOW.get()
        if at is None:
            raise RuntimeError("no step is being taken")
        return at.astimezone(UTC)


_STAMPED: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


async def stamp(conn: Any) -> None:
    """The pool's `setup`: the connection says the step's moment (once per moment)."""
    at = NOW.get()
    value = at.astimezone(UTC).isoformat() if at else ""
    raw = getattr(conn, "_con", conn)
    if _STAMPED.get(raw) != value:
        await conn.execute("SELECT set_config('redress.event_time', $1, false)", value)
        _STAMPED[raw] = value


async def keep(conn: Any) -> None:
    """The pool's `reset`: keep the stamp (an open transaction is still rolled back)."""
