"""`redress dev` (what `make run` calls): the whole platform on one machine.

Servers come from the environment (REDRESS_DATABASE_URL / REDRESS_NATS_URL) or are embedded
under `.data/`. The relay and each service run as child processes. A supervisor starts
again whatever dies, the embedded servers included, with backoff and a restart budget per
time window; Ctrl-C stops them all, and the data stays under `.data/` for the next start.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx
from rich.console import Console
from rich.table import Table

from redress.kit.admin import apply_migrations
from redress.kit.auth import signer_for
from redress.kit.dev_checks import hold_the_checkout, ports_free
from redress.kit.embedded import EmbeddedNats, EmbeddedPostgres, die_with_parent, runtime_folder
from redress.kit.registry import BASE, PORTS, relay_port, services
from redress.kit.settings import load_settings
from redress.kit.sources import DEV_ENV

console = Console(stderr=True)


class Restarts:
    """A restart budget per time window, with exponential backoff and jitter between tries.

    The budget is per window, not per lifetime: a child that failed a few times an hour ago
    is tried again today. One that spends it within the window is said loudly and tried
    every `slow` seconds from then on, never given up on: a service that cannot reach
    PostgreSQL for longer than its backoff lasts comes back on its own once it can.
    """

    def __init__(
        self,
        budget: int = 8,
        window: float = 600.0,
        base: float = 0.5,
        cap: float = 30.0,
        stable: float = 60.0,
        slow: float = 60.0,
    ) -> None:
        self.budget, self.window, self.base, self.cap, self.stable, self.slow = (
            budget, window, base, cap, stable, slow
        )  # fmt: skip
        self.times: deque[float] = deque()
        self.next_at = 0.0
        self.started_at = -float("inf")
        self.streak = 0
        self.exhausted = False

    def due(self, now: float) -> bool:
        """Whether a dead child may be started again now: after its backoff, or once the
        budget is spent, `slow` seconds after its last start."""
        while self.times and self.times[0] <= now - self.window:
            self.times.popleft()
        self.exhausted = len(self.times) >= self.budget
        if self.exhausted:
            return now >= max(self.next_at, self.started_at + self.slow)
        return now >= self.next_at

    def started(self, now: float) -> None:
        # A child that stayed up for `stable` seconds starts its backoff afresh.
        self.streak = 0 if now - self.started_at > self.stable else self.streak + 1
        self.times.append(now)
        self.started_at = now
        delay = min(self.cap, self.base * 2**self.streak)
        self.next_at = now + delay * random.uniform(0.8, 1.2)  # noqa: S311 - jitter


class Unit(Protocol):
    name: str

    def start(self) -> None: ...

    def alive(self) -> bool: ...


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            self.argv, env=self.env, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent,
            # Ctrl-C reaches `redress dev` alone, which stops the services before the
            # servers they use: none of them sees its server go first, none is restarted.
            start_new_session=True,
        )  # fmt: skip

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class NatsUnit:
    """The embedded nats-server, started again on the same port and store when it dies."""

    server: EmbeddedNats
    name: str = "nats"

    def start(self) -> None:
        self.server.start()

    def alive(self) -> bool:
        return self.server.process is not None and self.server.process.poll() is None


@dataclass
class PostgresUnit:
    """The embedded PostgreSQL, started again on the same data folder when it dies."""

    server: EmbeddedPostgres
    name: str = "postgres"

    def start(self) -> None:
        self.server.restart()

    def alive(self) -> bool:
        return self.server.alive()


@dataclass
class Supervisor:
    """Keeps every unit running: servers first, then the relay and the services."""

    units: list[Unit] = field(default_factory=list)
    restarts: dict[str, Restarts] = field(default_factory=dict)
    make_budget: Callable[[], Restarts] = Restarts

    def watch(self, unit: Unit) -> None:
        self.units.append(unit)
        self.restarts[unit.name] = self.make_budget()

    def tick(self, now: float) -> None:
        for unit in self.units:
            if unit.alive():
                continue
            budget = self.restarts[unit.name]
            was_exhausted = budget.exhausted
            due = budget.due(now)
            if budget.exhausted and not was_exhausted:
                console.print(
                    f"[bold red]{unit.name} failed {budget.budget} times within "
                    f"{budget.window:.0f} s: it is tried again every {budget.slow:.0f} s "
                    "until it stays up. Read its output above for the cause.[/bold red]"
                )
            if not due:
                continue
            budget.started(now)
            console.print(f"[yellow]{unit.name} stopped; starting it again[/yellow]")
            try:
                unit.start()
            except Exception as exc:  # a server that cannot start yet is tried again later
                console.print(f"[yellow]{unit.name} did not start: {exc}[/yellow]")


@dataclass
class Platform:
    data: Path
    env: dict[str, str] = field(default_factory=dict)
    children: list[Child] = field(default_factory=list)
    pg: EmbeddedPostgres | None = None
    nats: EmbeddedNats | None = None
    supervisor: Supervisor = field(default_factory=Supervisor)

    def start_servers(self) -> None:
        os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_folder(self.data)))
        database = os.environ.get("REDRESS_DATABASE_URL")
        nats_url = os.environ.get("REDRESS_NATS_URL")
        if not database:
            self.pg = EmbeddedPostgres((self.data / "pg").resolve())
            database = self.pg.start()
            self.supervisor.watch(PostgresUnit(self.pg))
        if not nats_url:
            self.nats = EmbeddedNats((self.data / "nats").resolve())
            nats_url = self.nats.start()
            self.supervisor.watch(NatsUnit(self.nats))
        self.env = {
            "REDRESS_DEV": "1",
            "REDRESS_DATABASE_URL": database,
            "REDRESS_NATS_URL": nats_url,
            "REDRESS_DATA_DIR": str(self.data.resolve()),
            # Where its ports start, for `redress status` in another terminal.
            "REDRESS_DEV_PORT_BASE": str(BASE),
        }
        DEV_ENV.parent.mkdir(parents=True, exist_ok=True)
        DEV_ENV.write_text("".join(f"{k}={v}\n" for k, v in self.env.items()))
        os.environ.update(self.env)

    def start_children(self) -> None:
        env = {**os.environ, **self.env, "REDRESS_LOG_JSON": "0"}
        cli = [sys.executable, "-m", "redress.kit.cli"]
        # The relay's probes on the port after the services' (8006 for `make run`).
        relay = [*cli, "relay", "--host", "127.0.0.1", "--port", str(relay_port())]
        self.children.append(Child("relay", relay, env))
        for name, spec in services().items():
            argv = [*cli, "serve", name, "--host", "127.0.0.1", "--port", str(PORTS[name])]
            own = {k: v.format(port=PORTS[name]) for k, v in spec.dev_environment.items()}
            self.children.append(Child(name, argv, {**own, **env}))
        for child in self.children:
            child.start()
            self.supervisor.watch(child)

    def stop(self) -> None:
        for child in self.children:
            if child.alive():
                assert child.process is not None
                child.process.terminate()
        deadline = time.monotonic() + 10
        for child in self.children:
            if child.process is not None:
                try:
                    child.process.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.process.kill()
                    child.process.wait()
        if self.nats:
            self.nats.stop()
        if self.pg:
            self.pg.stop()


async def wait_healthy(timeout: float = 90.0) -> list[str]:
    """The services, and the relay, still not answering /health with 200 at the deadline:
    the relay too, since the platform delivers nothing without it (a relay that could not
    bind its port was announced as running)."""
    addresses = {name: f"http://127.0.0.1:{PORTS[name]}/health" for name in services()}
    addresses["relay"] = f"http://127.0.0.1:{relay_port()}/health"
    waiting = set(addresses)
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        while waiting and time.monotonic() < deadline:
            for name in list(waiting):
                try:
                    response = await client.get(addresses[name])
                    if response.status_code == 200:
                        waiting.discard(name)
                except httpx.HTTPError:
                    pass
            await asyncio.sleep(0.2)
    return sorted(waiting)


def show(started: float, token: str) -> None:
    table = Table(title=f"Redress is running ({time.monotonic() - started:.1f} s)")
    table.add_column("service")
    table.add_column("URL")
    for name in services():
        table.add_row(name, f"http://127.0.0.1:{PORTS[name]}/docs")
    table.add_row("relay", f"http://127.0.0.1:{relay_port()}/health")
    console.print(table)
    console.print(f"Worker form:  http://127.0.0.1:{PORTS['intake']}/t/demo/report")
    console.print("Officer token (tenant demo):")
    console.print(token, soft_wrap=True)
    console.print("Stop with Ctrl-C.")


def run_dev() -> None:
    started = time.monotonic()
    _held = hold_the_checkout(DEV_ENV.parent)  # until the process ends
    ports_free({**PORTS, "relay": relay_port()})
    platform = Platform(Path(os.environ.get("REDRESS_DATA_DIR", ".data")))
    stopping = False

    def on_signal(signum: int, _: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        platform.start_servers()
        settings = load_settings()
        asyncio.run(apply_migrations(settings))
        platform.start_children()
        missing = asyncio.run(wait_healthy())
        if missing:
            console.print(f"[red]not healthy after 90 s: {', '.join(missing)}[/red]")
        for spec in services().values():
            if spec.seed is not None:
                asyncio.run(spec.seed(settings))
        token = signer_for(settings).issue("dev-officer", "demo", ["officer", "admin"])
        show(started, token)
        while not stopping:
            time.sleep(0.5)  # a signal ends it early, and the loop ends without a last tick
            if not stopping:
                platform.supervisor.tick(time.monotonic())
    finally:
        console.print("stopping…")
        platform.stop()
