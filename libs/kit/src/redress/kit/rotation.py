"""Rotating the key-encryption key: what makes erasure hold against every copy on disk.

1. A new KEK is recorded (`keyring.keks`), added to the keyset file and made current.
2. Every live data key is re-wrapped under it, in batches.
3. The old KEKs' rows are locked, then deleted, in the transaction of the last re-wrap
   batch; the foreign key from `keyring.data_keys` makes a process with a stale keyset that
   wraps a new data key under an old KEK wait for that transaction, fail, reload the keyset
   and wrap under the new KEK.
4. Only then are the old KEKs removed from the file: nothing the platform keeps can unwrap
   a data key deleted before the rotation, wherever its wrapped bytes survive.

A rotation stopped half-way is finished by the next one (the file still holds old KEKs).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
import structlog

from redress.events.ids import new_id
from redress.events.leader import leadership
from redress.events.store import Conn
from redress.events.timers import Clock, SystemClock
from redress.kit.crypto import unwrap, wrap
from redress.kit.keyset import Keyset, KeysetFile

log = structlog.get_logger("redress.keys")

Progress = Callable[[int, int], None]
BATCH = 500


class RotationError(RuntimeError):
    """A data key is wrapped under a KEK that the keyset does not hold."""


@dataclass(frozen=True)
class Rotated:
    kek_id: str
    rewrapped: int
    retired: tuple[str, ...]


async def rotate(
    dsn: str,
    pool: asyncpg.Pool,
    keys: KeysetFile,
    *,
    batch: int = BATCH,
    progress: Progress | None = None,
    at: datetime | None = None,
) -> Rotated:
    """Rotate once (one rotation at a time across the deployment); `at` dates the new KEK."""
    async with leadership(dsn, "keyring:rotate", standby_interval=0.2):
        keyset = keys.keyset(force=True)
        kek_id = f"k-{new_id()}"
        async with pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO keyring.keks (kek_id, created_at) VALUES ($1, coalesce($2, now()))",
                kek_id,
                at,
            )
        fresh = Keyset.fresh(kek_id)
        keys.write(Keyset(kek_id, {**keyset.keys, kek_id: fresh.key}))
        log.info("key-encryption key added", kek_id=kek_id)
        return await _retire_old(pool, keys, batch, progress)


async def finish(
    dsn: str, pool: asyncpg.Pool, keys: KeysetFile, *, batch: int = BATCH
) -> Rotated | None:
    """Finish a rotation that stopped before removing the old KEKs, if there is one."""
    if len(keys.keyset(force=True).keys) == 1:
        return None
    async with leadership(dsn, "keyring:rotate", standby_interval=0.2):
        return await _retire_old(pool, keys, batch, None)


async def _retire_old(
    pool: asyncpg.Pool, keys: KeysetFile, batch: int, progress: Progress | None
) -> Rotated:
    keyset = keys.keyset(force=True)
    current = keyset.current
    async with pool.acquire() as conn:
        total = await conn.fetchval(
            "SELECT count(*) FROM keyring.data_keys WHERE kek_id <> $1", current
        )
    done = 0
    if progress:
        progress(done, total)
    while True:
        async with pool.acquire() as conn, conn.transaction():
            rows = await _wrapped_under_old(conn, current, batch)
            last = len(rows) < batch
            if last:
                # Hold new data keys off the old KEKs: an insert's foreign-key check waits on
                # this lock, then fails once the rows are gone, and the inserting process
                # reloads the keyset and wraps under the current KEK. Without it, a process
                # with a stale keyset could keep the old KEKs alive for ever.
                await conn.execute(
                    "SELECT 1 FROM keyring.keks WHERE kek_id <> $1 FOR UPDATE", current
                )
                rows = await _wrapped_under_old(conn, current, None)
            await conn.executemany(
                "UPDATE keyring.data_keys SET wrapped = $2, kek_id = $3 WHERE key_id = $1",
                [(r["key_id"], _rewrap(keyset, r), current) for r in rows],
            )
            if last:
                await conn.execute("DELETE FROM keyring.keks WHERE kek_id <> $1", current)
        done += len(rows)
        if progress:
            progress(done, max(total, done))
        if last:
            break
    keys.write(Keyset(current, {current: keyset.key}))
    old = tuple(k for k in keyset.keys if k != current)
    log.info("key-encryption keys retired", kek_id=current, rewrapped=done, retired=len(old))
    return Rotated(current, done, old)


def _rewrap(keyset: Keyset, row: asyncpg.Record) -> bytes:
    kek = keyset.keys.get(row["kek_id"])
    if kek is None:
        raise RotationError(f"data key {row['key_id']} is under an unknown KEK {row['kek_id']}")
    return wrap(keyset.key, row["key_id"], unwrap(kek, row["key_id"], row["wrapped"]))


async def _wrapped_under_old(conn: Conn, current: str, limit: int | None) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT key_id, kek_id, wrapped FROM keyring.data_keys WHERE kek_id <> $1
           ORDER BY key_id LIMIT $2 FOR UPDATE""",
        current,
        limit,
    )


async def rotation_due(
    pool: asyncpg.Pool, keys: KeysetFile, clock: Clock, every: timedelta
) -> bool:
    """Whether the current KEK is older than the rotation period (or a rotation is unfinished)."""
    keyset = keys.keyset(force=True)
    if len(keyset.keys) > 1:
        return True
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO keyring.keks (kek_id) VALUES ($1) ON CONFLICT DO NOTHING",
            keyset.current,
        )
        created = await conn.fetchval(
            "SELECT created_at FROM keyring.keks WHERE kek_id = $1", keyset.current
        )
    return bool(clock.now() - created >= every)


@dataclass
class RotationSchedule:
    """Rotates when the current KEK is older than `every`; one leader per deployment.
    `before` runs first, each time a rotation starts (not when one is finished)."""

    dsn: str
    pool: asyncpg.Pool
    keys: KeysetFile
    every: timedelta
    clock: Clock = SystemClock()  # noqa: RUF009 - stateless
    before: Callable[[], Awaitable[object]] | None = None

    async def tick(self) -> Rotated | None:
        if not await rotation_due(self.pool, self.keys, self.clock, self.every):
            return None
        if len(self.keys.keyset(force=True).keys) > 1:
            return await finish(self.dsn, self.pool, self.keys)
        if self.before is not None:
            await self.before()
        return await rotate(self.dsn, self.pool, self.keys, at=self.clock.now())
