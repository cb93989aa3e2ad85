"""A delivery worker in a process of its own, for the test that SIGKILLs it.

`python -m tests.kit.webhooks.worker_process` with WEBHOOKS_DSN and WEBHOOKS_BOX (the hex of
the secret box's key) in the environment; short retries and leases on the system clock.
"""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta

import asyncpg

from redress.kit.webhooks import (
    BreakerPolicy,
    Deliverer,
    Guard,
    RetryPolicy,
    SecretBox,
    Webhooks,
)
from tests.kit.webhooks.conftest import ROLE, SCHEMA


async def main() -> None:
    pool = await asyncpg.create_pool(
        os.environ["WEBHOOKS_DSN"], min_size=1, max_size=5, server_settings={"role": ROLE}
    )
    hooks = Webhooks(
        SCHEMA,
        SecretBox(bytes.fromhex(os.environ["WEBHOOKS_BOX"])),
        guard=Guard(allow_private=True),
    )
    worker = Deliverer(
        pool,
        hooks,
        retry=RetryPolicy(first=timedelta(seconds=0.2), factor=2, cap=timedelta(seconds=1)),
        breaker=BreakerPolicy(cooldown=timedelta(seconds=0.2), cooldown_cap=timedelta(seconds=0.5)),
        lease=timedelta(seconds=1),
        interval=0.1,
    )
    print("running", flush=True)
    await worker.run()


if __name__ == "__main__":
    asyncio.run(main())
