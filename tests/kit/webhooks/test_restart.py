"""The worker killed in the middle of its retries, requests in flight, and started anew:
nothing is lost, and what is sent again carries the same webhook-id."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.events.helpers import running, wait_until
from tests.kit.webhooks.conftest import Outbox, register
from tests.kit.webhooks.receiver import Receiver

KEYS = [f"ref-{n}" for n in range(4)]
PER_KEY = 3
TOTAL = len(KEYS) * PER_KEY
ROOT = Path(__file__).resolve().parents[3]


async def test_a_worker_killed_mid_retries_loses_nothing(
    outbox: Outbox, receiver: Receiver
) -> None:
    await register(outbox, receiver)
    receiver.refusing = True
    for seq in range(1, PER_KEY + 1):
        for key in KEYS:
            await outbox.enqueue("partner-1", key, seq)
    first = outbox.deliverer()
    async with running(first.run()):

        async def heads_failed() -> bool:
            return await outbox.attempts() >= len(KEYS)

        await wait_until(heads_failed)
        receiver.hold()  # the retries will hang in the receiver
        before = receiver.requests
        outbox.advance(seconds=30)  # past the first retry's wait

        async def retrying() -> bool:
            return receiver.requests > before

        await wait_until(retrying)
    # Killed with requests in flight: their leases stay until they run out.
    await first.close()
    in_flight = receiver.requests - before
    receiver.refusing = False
    receiver.release()  # the partner answers the hung requests: no one hears it
    assert await outbox.attempts() == len(KEYS)  # the hung retries were never recorded

    second = outbox.deliverer()
    try:
        async with running(second.run()):

            async def all_delivered() -> bool:
                outbox.advance(seconds=30)
                return await outbox.states() == {"delivered": TOTAL}

            await wait_until(all_delivered, timeout=60)
    finally:
        await second.close()

    assert in_flight >= 1
    assert receiver.rejected == []
    assert receiver.order() == {key: list(range(1, PER_KEY + 1)) for key in KEYS}
    expected = {f"msg_{k}-{s}" for k in KEYS for s in range(1, PER_KEY + 1)}
    every_id_sent = {h["webhook-id"] for h in receiver.headers}
    assert every_id_sent == expected  # repeats only ever with the same ids
    # The killed worker's requests were sent again after their lease ran out, and the
    # receiver's dedupe by webhook-id made each a no-op: every message processed once.
    assert any(n > 1 for n in receiver.seen.values())
    assert sorted(e["id"] for e in receiver.processed) == sorted(
        f"{k}-{s}" for k in KEYS for s in range(1, PER_KEY + 1)
    )


async def start_worker(outbox: Outbox) -> asyncio.subprocess.Process:
    env = {**os.environ, "WEBHOOKS_DSN": outbox.dsn, "WEBHOOKS_BOX": outbox.box_key.hex()}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.kit.webhooks.worker_process",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 60)
    assert line.strip() == b"running", line
    return proc


async def test_a_worker_process_sigkilled_mid_retries_loses_nothing(
    outbox: Outbox, receiver: Receiver
) -> None:
    """As above, with the worker a process of its own on the system clock, killed -9."""
    await register(outbox, receiver)
    receiver.refusing = True
    for seq in range(1, PER_KEY + 1):
        for key in KEYS:
            await outbox.enqueue("partner-1", key, seq)
    first = await start_worker(outbox)
    try:

        async def retried() -> bool:
            return await outbox.attempts() >= 2 * len(KEYS)

        await wait_until(retried, timeout=60)
        receiver.hold()
        before = receiver.requests

        async def hanging() -> bool:
            return receiver.requests > before

        await wait_until(hanging, timeout=60)
    finally:
        first.kill()
        await asyncio.wait_for(first.wait(), 30)
    assert first.returncode == -signal.SIGKILL
    receiver.refusing = False
    receiver.release()

    second = await start_worker(outbox)
    try:

        async def all_delivered() -> bool:
            return await outbox.states() == {"delivered": TOTAL}

        await wait_until(all_delivered, timeout=60)
    finally:
        second.terminate()
        await asyncio.wait_for(second.wait(), 30)

    assert receiver.rejected == []
    assert receiver.order() == {key: list(range(1, PER_KEY + 1)) for key in KEYS}
    expected = {f"msg_{k}-{s}" for k in KEYS for s in range(1, PER_KEY + 1)}
    assert {h["webhook-id"] for h in receiver.headers} == expected
    assert any(n > 1 for n in receiver.seen.values())
    assert len(receiver.processed) == TOTAL
    assert len({e["id"] for e in receiver.processed}) == TOTAL
