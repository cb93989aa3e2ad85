"""Refusing bodies that are too large before they are read into memory.

A body that declares a length over the limit is refused before any route runs: a write that
ignores its body must not run with one either. A body that comes without a length is counted
as it is read, and refused where it is read (`TooLarge`), so that the route answers it as it
answers any refusal. A service whose pages answer refusals as pages (the worker's, in the
worker's language; a console's) says how with `pages`; everywhere else it is problem+json.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from redress.kit.errors import Problem, TooLarge, problem_response

# A refusal made outside any route, as a page of the service where the path is one of its
# pages; None where it is not.
RefusalPage = Callable[[Scope, Problem], Awaitable[Response | None]]


class BodySizeLimit:
    """At most `max_bytes` per body; `large_bytes` on paths matching `large_paths` (uploads)."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        large_paths: str | None = None,
        large_bytes: int = 0,
        pages: Sequence[RefusalPage] = (),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.large_paths = re.compile(large_paths) if large_paths else None
        self.large_bytes = large_bytes
        self.pages = pages

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
            await self._refuse(scope, receive, send, TooLarge(limit))
            return
        received = 0

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise TooLarge(limit)
            return message

        try:
            await self.app(scope, counting, send)
        except TooLarge as exc:  # read before any route: by a middleware
            await self._refuse(scope, receive, send, exc)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, exc: TooLarge) -> None:
        problem = Problem(413, "too-large", str(exc.detail))
        for page in self.pages:
            if (response := await page(scope, problem)) is not None:
                break
        else:
            response = problem_response(problem, scope.get("path"))
        await response(scope, receive, send)
