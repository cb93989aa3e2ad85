"""Five partners' receivers in a process of their own, for the webhook benchmark.

`python -m bench.receivers` reads a JSON list of secrets on stdin (one receiver each),
prints the ports it listens on (loopback), and serves until stdin closes. Each receiver
verifies every request with the Standard Webhooks reference library, answers after 50 ms,
fails the first attempt of 2 % of webhook-ids (500), and dedupes by webhook-id;
`GET /stats` answers, per webhook-id, when it was first verified (Unix time) and how many
requests carried it; `POST /reset` forgets everything.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import sys
import time
from typing import Any

import uvicorn
from standardwebhooks import Webhook

ANSWER_AFTER = 0.05
FAIL_ONE_IN = 50  # 2 % of ids fail their first attempt


def fails_first(webhook_id: str) -> bool:
    return int(hashlib.sha256(webhook_id.encode()).hexdigest(), 16) % FAIL_ONE_IN == 0


class Receiver:
    def __init__(self, secret: str) -> None:
        self.webhook = Webhook(secret)
        self.stats: dict[str, list[float]] = {}  # id -> [first verified at, requests]
        self.bad = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["method"] == "GET":
            await self.answer(send, 200, json.dumps({"stats": self.stats, "bad": self.bad}))
            return
        if scope["path"] == "/reset":
            self.stats.clear()
            self.bad = 0
            await self.answer(send, 204)
            return
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        await asyncio.sleep(ANSWER_AFTER)  # the partner's own work
        try:
            self.webhook.verify(body, headers)
        except Exception:
            self.bad += 1
            await self.answer(send, 401)
            return
        webhook_id = headers["webhook-id"]
        seen = self.stats.setdefault(webhook_id, [0.0, 0])
        seen[1] += 1
        if seen[1] == 1 and fails_first(webhook_id):
            await self.answer(send, 500)
            return
        if not seen[0]:
            seen[0] = time.time()
        await self.answer(send, 204)

    @staticmethod
    async def answer(send: Any, status: int, text: str = "") -> None:
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": text.encode()})


async def main() -> None:
    secrets = json.loads(sys.stdin.readline())
    servers, ports = [], []
    for secret in secrets:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        ports.append(sock.getsockname()[1])
        config = uvicorn.Config(
            Receiver(secret),
            log_level="warning",
            access_log=False,
            lifespan="off",
            log_config=None,
            backlog=1024,
        )
        server = uvicorn.Server(config)
        servers.append(asyncio.create_task(server.serve(sockets=[sock])))
    print(json.dumps(ports), flush=True)
    # Until the benchmark closes our stdin (or dies).
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for task in servers:
        task.cancel()


if __name__ == "__main__":
    asyncio.run(main())
