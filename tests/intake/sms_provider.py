"""The fake SMS provider on loopback: real HTTP (uvicorn), every request recorded."""

from __future__ import annotations

import asyncio
import hashlib
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from redress.intake.fake_provider import FakeProvider, Taken
from tests.events.helpers import wait_until

ACCOUNT, TOKEN = "AC-test", "dev-sms-token"  # the token intake checks signatures with in dev


def digest(number: str) -> str:
    """How tests compare numbers: never printed, even when an assertion fails."""
    return hashlib.sha256(number.encode()).hexdigest()[:12]


def to(provider: FakeProvider, number: str) -> list[Taken]:
    return [t for t in provider.taken if digest(t.to) == digest(number)]


@asynccontextmanager
async def fake_provider() -> AsyncIterator[tuple[FakeProvider, str]]:
    provider = FakeProvider(ACCOUNT, TOKEN)
    app = FastAPI()
    app.include_router(provider.router())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, log_config=None,
                            lifespan="off")  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))

    async def up() -> bool:
        return server.started or task.done()

    await wait_until(up, timeout=30)
    try:
        yield provider, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=30)
