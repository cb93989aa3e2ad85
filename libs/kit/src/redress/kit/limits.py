"""Refusing bodies that are too large before they are read into memory."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from redress.kit.errors import Problem, problem_response


class BodySizeLimit:
    """At most `max_bytes` per body; `large_bytes` on paths matching `large_paths` (uploads)."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, large_paths: str | None = None, large_bytes: int = 0
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.large_paths = re.compile(large_paths) if large_paths else None
        self.large_bytes = large_bytes

    def limit(self, path: str) -> int:
        if self.large_paths is not None and self.large_paths.search(path):
            return self.large_bytes
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        received = 0

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counting, send)
        except _TooLarge:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        detail = f"the body is larger than {limit} bytes"
        response = problem_response(Problem(413, "too-large", detail), scope.get("path"))
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass
