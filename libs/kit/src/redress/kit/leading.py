"""Which process of a service runs its projections and policies: one, elected (ADR 0036).

A service may serve from several processes (`redress serve --workers N`, replicas on
Kubernetes). Its runners run in one of them: the one holding the advisory lock
`runners:<service>:<stream>`. The others stand by, trying for the lock once a second, and
start no runner meanwhile, so that no two processes contend for the same checkpoints. When
the leading process dies, its connection and its lock go with it, and a standby takes over
from the checkpoints; when the leading process loses its connection, it stops its runners.

The leading process tells the others how its runners are, on the service's channel, every
second and at once when asked (a process asks as it starts listening): their /health says
what it said, with the positions announced since.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any

from redress.events.leader import leadership
from redress.events.projection import ProjectionRunner
from redress.events.projection.announce import LISTENING, Listener, status_messages, tell
from redress.events.recovery import Backoff, Trouble, stop, supervise
from redress.kit.runtime import Runtime, connect, database_session

HEARTBEAT = 1.0
# Silent this long, the leading process is not believed any more: its runners may have
# stopped with it (a process frozen holds its lock).
STALE_AFTER = 5.0


class Leading:
    def __init__(
        self,
        service: str,
        lock: str,
        dsn: str,
        listener: Listener,
        runners: list[ProjectionRunner],
        *,
        server_settings: dict[str, str],
        io_timeout: float = 5.0,
        standby_interval: float = 1.0,
    ) -> None:
        self.service, self.lock, self.dsn = service, lock, dsn
        self.listener, self.runners = listener, runners
        self.server_settings = server_settings
        self.io_timeout, self.standby_interval = io_timeout, standby_interval
        self.leading = asyncio.Event()
        self.trouble = Trouble(f"{service}.leading")
        self.connecting: asyncio.Future[None] | None = None  # NATS, before standing
        self._term = asyncio.Event()  # set when the current leadership ends
        self._term.set()
        self._asked = asyncio.Event()
        self._told = asyncio.Event()
        self._since = time.monotonic()
        listener.on_ask = self._asked.set
        listener.on_told = self._told.set

    async def run(self) -> None:
        """Stand by until this process holds the lock; then lead until the lock's connection
        fails (raised, for the caller's supervisor to try again) or the task is cancelled."""
        async with leadership(
            self.dsn,
            self.lock,
            timeout=self.io_timeout,
            server_settings=self.server_settings,
            standby_interval=self.standby_interval,
        ) as conn:
            self._term = asyncio.Event()
            self.leading.set()
            try:
                # The first word once the runners have started, not that they are stopped.
                started = asyncio.ensure_future(self._runners_started())
                await asyncio.wait({started}, timeout=HEARTBEAT)
                started.cancel()
                while True:
                    # Each word to the others also proves that the lock's connection lives.
                    # A slow answer (a busy server) is no lost lock: the lock lives as long as
                    # the connection, and one that is lost fails the next word at once.
                    try:
                        states = status_messages(r.status() for r in self.runners)
                        await tell(conn, self.listener.schema, states or ["status\n[]"],
                                   self.io_timeout)  # fmt: skip
                    except TimeoutError as exc:
                        self.trouble.report(exc)
                    else:
                        self.trouble.clear()
                    self._asked.clear()
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(HEARTBEAT):
                            await self._asked.wait()
            finally:
                self.leading.clear()
                self._term.set()
                self._since = time.monotonic()
                # What this process said of its own runners is no news of another's.
                self.listener.statuses.clear()
                self.listener.told_at = None

    async def settled(self) -> None:
        """Until this process knows how the runners are: it leads and has started them, or
        the process that leads has told it."""

        async def leading_them() -> None:
            await self.leading.wait()
            await self._runners_started()

        waits = {asyncio.ensure_future(leading_them()), asyncio.ensure_future(self._told.wait())}
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()

    async def _runners_started(self) -> None:
        for runner in self.runners:
            await runner.started.wait()

    async def while_leading(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run `work` (a runner) whenever this process leads, stopping it when it no longer
        does. A failure of `work` while leading is raised, for the caller's supervisor."""
        while True:
            await self.leading.wait()
            term = self._term
            task = asyncio.ensure_future(work())
            ended = asyncio.ensure_future(term.wait())
            try:
                await asyncio.wait({task, ended}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                ended.cancel()
                await stop(task)
            if not term.is_set():
                task.result()
                raise RuntimeError("stopped by itself")

    def statuses(self) -> list[dict[str, Any]]:
        """Each runner's state: its own here, or what the leading process last said of it."""
        if self.leading.is_set():
            return [r.status() for r in self.runners]
        now = time.monotonic()
        told_at = self.listener.told_at
        fresh = told_at is not None and now - told_at <= STALE_AFTER
        found = []
        for runner in self.runners:
            key, name = runner.projection.key, runner.projection.name
            last = self.listener.statuses.get(key)
            said = last if fresh else None
            # A position the runner reached passing over what the server did not send it
            # (ADR 39) is never announced with a batch: the last state told has it.
            told = int(last.get("position", 0)) if last is not None else 0
            position = max(self.listener.positions.get(name, 0), told)
            if said is None:
                found.append(self._unheard(key, position, max(told_at or 0.0, self._since)))
                continue
            status = {**said, "position": max(position, int(said.get("position", 0)))}
            if "degraded_s" in status and told_at is not None:
                status["degraded_s"] = round(float(status["degraded_s"]) + now - told_at, 1)
            found.append(status)
        return found

    def _unheard(self, key: str, position: int, since: float) -> dict[str, Any]:
        """A runner no process is heard to run: stopped while this process cannot run it
        (NATS has not answered it yet), else degraded, for the reason this process knows."""
        if self.connecting is not None and not self.connecting.done():
            return {"projection": key, "status": "stopped", "position": position}
        return {
            "projection": key,
            "status": "degraded",
            "reason": self.trouble.reason or "no word from the process of the service that runs it",
            "degraded_s": round(time.monotonic() - since, 1),
            "position": position,
        }


def start_leading(
    name: str, runtime: Runtime, role: str, connecting: asyncio.Task[None]
) -> Leading:
    """The tasks of service `name`'s runners, run whichever process of the service leads,
    and this process's listener for what they apply and how they are."""
    settings = runtime.settings
    listener = Listener(
        name,
        functools.partial(connect, settings, role, f"redress-{name}-listening"),
        io_timeout=settings.io_timeout,
    )
    LISTENING[name] = listener
    runtime.leading = leading = Leading(
        name,
        f"runners:{name}:{runtime.bus.stream}",
        settings.require_database(),
        listener,
        runtime.runners,
        server_settings=database_session(settings, None, f"redress-{name}-runners"),
        io_timeout=settings.io_timeout,
    )
    # The runners' tasks first, named after their projections (what an operator, and a
    # test, looks for to stop one).
    for runner in runtime.runners:
        run = functools.partial(leading.while_leading, runner.run)
        runtime.tasks.append(
            asyncio.create_task(supervise(run, runner.trouble), name=runner.projection.key)
        )
    listening = Trouble(f"{name}.listening")
    runtime.background += [listening, leading.trouble]
    # Tried again as soon as the runners themselves would be after a lost connection.
    runtime.tasks.append(
        asyncio.create_task(
            supervise(listener.run, listening, Backoff(initial=0.2, cap=5.0)),
            name=f"{name} listener",
        )
    )

    leading.connecting = connecting

    async def stand() -> None:
        # Only a process that reaches NATS stands for election: one that led without it
        # would keep the runners from a process that could run them.
        await asyncio.shield(connecting)
        await leading.run()

    runtime.tasks.append(
        asyncio.create_task(
            supervise(stand, leading.trouble, Backoff(initial=0.2, cap=5.0)),
            name=f"{name} leading",
        )
    )
    return leading
