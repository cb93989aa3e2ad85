"""A partner's receiver on loopback: real HTTP (uvicorn), every request verified with the
Standard Webhooks reference library, deduplicated by webhook-id as a partner would."""

from __future__ import annotations

import asyncio
import json
import socket
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from standardwebhooks import Webhook

from tests.events.helpers import wait_until


@dataclass
class Receiver:
    """`secrets`: every one of them must verify every request (rotation: old and new)."""

    secrets: list[str]
    status: int = 204  # what it answers once a request verifies
    refusing: bool = False  # answer 503 to everything (after verifying it)
    fail_ids: set[str] = field(default_factory=set)  # webhook-ids answered 500
    port: int = 0
    requests: int = 0
    hosts: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # verification failures: a test fails
    processed: list[dict[str, Any]] = field(default_factory=list)  # bodies, once per id
    seen: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # id -> requests

    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None
    _held: asyncio.Event | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        status = await self.handle(body, headers)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def handle(self, body: bytes, headers: dict[str, str]) -> int:
        self.requests += 1
        self.hosts.append(headers.get("host", ""))
        self.headers.append(headers)
        self.bodies.append(body)
        if self._held is not None:
            await self._held.wait()
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers)
            except Exception as exc:
                self.rejected.append(f"{headers.get('webhook-id')}: {exc}")
                return 401
        webhook_id = headers["webhook-id"]
        if self.refusing:
            return 503
        if webhook_id in self.fail_ids:
            return 500
        self.seen[webhook_id] += 1
        if self.seen[webhook_id] == 1:
            self.processed.append(json.loads(body))
        return self.status

    def order(self) -> dict[str, list[int]]:
        """The sequence numbers processed, per subject, in the order they were processed."""
        by_key: dict[str, list[int]] = defaultdict(list)
        for event in self.processed:
            by_key[event["subject"]].append(event["data"]["seq"])
        return dict(by_key)

    def hold(self) -> None:
        """Keep requests waiting (a slow partner) until `release()`."""
        self._held = asyncio.Event()

    def release(self) -> None:
        if self._held is not None:
            self._held.set()
            self._held = None

    async def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self, log_level="warning", access_log=False, log_config=None, lifespan="off"
        )
        server = uvicorn.Server(config)
        self._server = server
        self._task = asyncio.create_task(server.serve(sockets=[sock]))

        async def up() -> bool:
            return server.started or self._task is None or self._task.done()

        await wait_until(up, timeout=30)
        if self._task.done():
            self._task.result()

    async def stop(self) -> None:
        """Down: connections are refused until `start()` (same port)."""
        if self._server is None or self._task is None:
            return
        self.release()
        self._server.should_exit = True
        self._server.force_exit = True
        await asyncio.wait_for(self._task, timeout=30)
        self._server = self._task = None
