"""A page of the log the relay has published: the stream's acknowledgements of it, settled
whole or not at all (`redress.events.relay`)."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog

# The relay's own: what a page's settling says is said by the relay.
log = structlog.get_logger("redress.relay")


class PublishedPage:
    """The acknowledgements of one published page."""

    def __init__(self) -> None:
        self.futures: list[asyncio.Future[Any]] = []

    def __len__(self) -> int:
        return len(self.futures)

    async def settled(self, timeout: float) -> bool:
        """True when the stream took the whole page; after a refusal, the rest fails too.

        False as well when the acknowledgements do not all come within `timeout`: nats-py
        does not fail them when the connection drops, so the page is abandoned.
        """
        if not self.futures:
            return True
        try:
            _, pending = await asyncio.wait(self.futures, timeout=timeout)
        except asyncio.CancelledError:
            self.abandon()
            raise
        if pending:
            log.warning("page not acknowledged in time, resuming from the stream", size=len(self))
            self.abandon()
            return False
        # Every refusal is read, not only the first: one left unread is logged as lost.
        refusals = [f.exception() for f in self.futures]
        failed = next((e for e in refusals if e is not None), None)
        if failed is not None:
            log.warning("publish refused, resuming from the stream", error=str(failed))
        return failed is None

    def abandon(self) -> None:
        # Cancelling frees nats-py's slot for each pending publish (it has 4000 at most);
        # the refusals of those already answered are read, so none is reported as lost.
        for future in self.futures:
            if future.done():
                if not future.cancelled():
                    future.exception()
            else:
                future.cancel()
