"""`python -m bench.statements [RATE] [SECONDS]`: the SQL statements one member submission
costs the whole platform, by statement, counted in PostgreSQL's own log.

The platform starts as the e2e part starts it (`make run`'s processes); PostgreSQL logs every
statement (`log_statement = all`) for an idle stretch and then for a run at RATE (default
80/s); each statement counts once per submission beyond what the idle stretch of the same
length ran (heartbeats, polls). A prepared statement run again is logged by its name only: its
text is found where the same connection prepared it. Not part of `make bench`: logging every
statement slows the run it counts (docs/performance.md, "Statements per submission").
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections import Counter
from pathlib import Path

import asyncpg

from bench.e2e import drive, running_platform
from redress.kit.settings import Settings

MARKS = ("bench-idle", "bench-start", "bench-end")
_LOGGED = re.compile(r"^@@ (\d+) LOG:  (?:statement|execute ([^:]*)): ?(.*)")


async def _logged_run(url: str, settings: Settings, rate: float, seconds: float) -> int:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("ALTER SYSTEM SET log_statement = 'all'")
        await conn.execute("ALTER SYSTEM SET log_line_prefix = '@@ %p '")
        await conn.execute("SELECT pg_reload_conf()")
        # A reload reaches each backend when it next reads the signal: the first mark is
        # logged only once this connection has it.
        for _ in range(100):
            if await conn.fetchval("SHOW log_statement") == "all":
                break
            await asyncio.sleep(0.05)
        else:
            raise RuntimeError("PostgreSQL did not take log_statement = 'all' within 5 s")
        await conn.execute(f"SELECT '{MARKS[0]}'")
        # As long as the run and the settling after it: what the platform runs anyway.
        await asyncio.sleep(seconds + 8)
        await conn.execute(f"SELECT '{MARKS[1]}'")
        out = await drive(settings, rate=rate, seconds=seconds)
        await asyncio.sleep(8)  # the runners' work after the last answer
        await conn.execute(f"SELECT '{MARKS[2]}'")
        return out.filed
    finally:
        await conn.execute("ALTER SYSTEM RESET log_statement")
        await conn.execute("ALTER SYSTEM RESET log_line_prefix")
        await conn.execute("SELECT pg_reload_conf()")
        await conn.close()


def count(log: list[str], filed: int) -> list[tuple[float, str]]:
    """Statements per submission, most first: the run's count less the idle stretch's."""
    at = {mark: next(i for i, line in enumerate(log) if f"'{mark}'" in line) for mark in MARKS}
    prepared: dict[tuple[str, str], str] = {}
    idle: Counter[str] = Counter()
    busy: Counter[str] = Counter()
    for i, line in enumerate(log):
        found = _LOGGED.match(line)
        if found is None:
            continue
        pid, name, text = found.group(1), found.group(2), found.group(3).strip()
        if not text and i + 1 < len(log) and not log[i + 1].startswith("@@"):
            text = log[i + 1].strip()  # a statement's text goes on on the next line
        if name and text:
            prepared.setdefault((pid, name), text)
        text = text or prepared.get((pid, name or ""), f"(prepared before: {name})")
        text = re.sub(r"__asyncpg_\w+__", "…", text)[:100]
        if at[MARKS[0]] < i < at[MARKS[1]]:
            idle[text] += 1
        elif at[MARKS[1]] < i < at[MARKS[2]]:
            busy[text] += 1
    per = [((busy[t] - idle[t]) / filed, t) for t in busy]
    return sorted((p for p in per if p[0] > 0), reverse=True)


def main(rate: float, seconds: float) -> None:
    with running_platform(print) as (settings, platform):
        url = settings.require_database()
        filed = asyncio.run(_logged_run(url, settings, rate, seconds))
        assert platform.pg is not None
        log = (Path(platform.pg.directory) / "log").read_text(errors="replace").splitlines()
    rows = count(log, filed)
    print(f"{filed} submissions at {rate:g}/s: {sum(n for n, _ in rows):.1f} statements each")
    for n, text in rows:
        if n >= 0.05:
            print(f"{n:6.2f}  {text}")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 80.0,
         float(sys.argv[2]) if len(sys.argv) > 2 else 8.0)  # fmt: skip
