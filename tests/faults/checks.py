"""What must hold after every fault, read directly from PostgreSQL and from the stream."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from tests.faults.platform import Platform

STREAM, SUBJECTS = "REDRESS_EVENTS", "redress.events.>"
SUBJECT_OF: dict[str, str] = {}


async def stream_ids(platform: Platform) -> list[str]:
    """Every message's event id (Nats-Msg-Id), in stream order; SUBJECT_OF says its subject."""
    nc = await nats.connect(platform.nats_url, connect_timeout=5, max_reconnect_attempts=3)
    try:
        js = nc.jetstream(timeout=10)
        last = (await js.stream_info(STREAM)).state.last_seq
        ids: list[str] = []
        if last == 0:
            return ids
        sub = await js.pull_subscribe(
            SUBJECTS,
            stream=STREAM,
            config=ConsumerConfig(
                deliver_policy=DeliverPolicy.ALL,
                ack_policy=AckPolicy.NONE,
                inactive_threshold=60,
            ),
        )
        while len(ids) < last:
            for msg in await sub.fetch(min(1000, last - len(ids)), timeout=10):
                event_id = (msg.headers or {})["Nats-Msg-Id"]
                SUBJECT_OF[event_id] = f"{msg.subject} (seq {msg.metadata.sequence.stream})"
                ids.append(event_id)
        await sub.unsubscribe()
        return ids
    finally:
        await nc.close()


async def log_rows(platform: Platform) -> list[tuple[str, str, int]]:
    """Every row of the log, (id, stream, version), in the relay's (tx_id, position) order."""
    conn = await platform.connect()
    try:
        rows = await conn.fetch(
            "SELECT id::text, stream, version FROM eventlog.events ORDER BY tx_id, position"
        )
        return [(r["id"], r["stream"], r["version"]) for r in rows]
    finally:
        await conn.close()


async def caught_up(platform: Platform, deadline: float = 90) -> tuple[list, list[str]]:
    """Log and stream once they hold as many events, or at the deadline.

    The stream is read before the log: the relay publishes only committed rows, so every
    message read must be in the log read after it, while policies still append.
    """
    started = time.monotonic()
    while True:
        ids = await stream_ids(platform)
        rows = await log_rows(platform)
        if len(ids) == len(rows) or time.monotonic() - started > deadline:
            return rows, ids
        await asyncio.sleep(1)


def disagreements(rows: list[tuple[str, str, int]], ids: list[str]) -> list[str]:
    """How the stream differs from the log: each row exactly once, per-stream version order."""
    problems = []
    twice = [i for i, n in Counter(ids).items() if n > 1]
    if twice:
        problems.append(f"{len(twice)} events twice in the stream, e.g. {twice[:3]}")
    in_log = {r[0]: r for r in rows}
    missing = set(in_log) - set(ids)
    if missing:
        problems.append(
            f"{len(missing)} rows of the log not in the stream, e.g. {sorted(missing)[:3]}"
        )
    unknown = set(ids) - set(in_log)
    if unknown:
        named = [f"{i} {SUBJECT_OF.get(i, '')}" for i in sorted(unknown)[:3]]
        problems.append(f"{len(unknown)} messages not in the log, e.g. {named}")
    versions: dict[str, int] = {}
    disorder = 0
    for event_id in ids:
        if event_id in in_log:
            _, stream, version = in_log[event_id]
            if version <= versions.get(stream, 0):
                disorder += 1
            versions[stream] = version
    if disorder:
        problems.append(f"{disorder} messages out of their stream's version order")
    return problems


async def cases_per_grievance(
    platform: Platform, accepted: list[str], deadline: float = 90
) -> dict[str, int]:
    """Cases per accepted grievance (cases schema), once each has one or at the deadline."""
    started = time.monotonic()
    while True:
        conn = await platform.connect()
        try:
            rows = await conn.fetch(
                "SELECT grievance_id, count(*) AS n FROM cases.cases"
                " WHERE grievance_id = ANY($1::text[]) GROUP BY grievance_id",
                accepted,
            )
        finally:
            await conn.close()
        found = {r["grievance_id"]: r["n"] for r in rows}
        if len(found) == len(set(accepted)) or time.monotonic() - started > deadline:
            return {g: found.get(g, 0) for g in set(accepted)}
        await asyncio.sleep(1)
