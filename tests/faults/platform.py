"""The platform as `make run` starts it (`redress dev` in a temp dir), and the means to break it.

Everything is found from outside, as an operator would: processes by their command line,
PostgreSQL by its postmaster.pid, servers by `.data/dev.env`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import psutil

NAMES = ["intake", "cases", "referral", "metrics", "assessment"]
ENDPOINTS = [*NAMES, "relay"]

# Short deadlines, so that each fault shows within seconds and the suite stays bounded.
SETTINGS = {
    "REDRESS_RELAY_ACK_TIMEOUT": "2",
    "REDRESS_IO_TIMEOUT": "2",
    "REDRESS_HEALTH_STALLED_AFTER": "3",
    "REDRESS_HEALTH_LAG_AFTER": "3",
    "REDRESS_RELAY_STALL_TIMEOUT": "6",
    "REDRESS_IDLE_IN_TRANSACTION_TIMEOUT": "10",
    "REDRESS_STATEMENT_TIMEOUT": "5",
    # Webhooks retried within a second, and a killed worker's claims free after 5 s.
    "REDRESS_WEBHOOK_FIRST_RETRY": "1",
    "REDRESS_WEBHOOK_BREAKER_COOLDOWN": "1",
    "REDRESS_WEBHOOK_LEASE": "5",
    # The load is one member filing 50 grievances/s: no rate limit is under test here.
    "REDRESS_FILINGS_PER_HOUR_PER_CLIENT": "100000000",
    "REDRESS_FILING_BURST_PER_CLIENT": "100000",
    "REDRESS_FILINGS_PER_HOUR_PER_TENANT": "100000000",
    "REDRESS_FILING_BURST_PER_TENANT": "100000",
}


def free_base() -> int:
    """A port base whose ports base+1 … base+6 (services and relay) are free on loopback."""
    import random

    for _ in range(100):
        base = random.randrange(20_000, 60_000, 10)
        try:
            for offset in range(1, 7):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", base + offset))
        except OSError:
            continue
        return base
    raise RuntimeError("no free range of ports")


@dataclass
class Platform:
    root: Path
    base: int
    process: subprocess.Popen[bytes] | None = None

    # -- starting and stopping ------------------------------------------------------------
    def env(self) -> dict[str, str]:
        """The environment of `make run`, with the suite's deadlines; a REDRESS_* setting of
        SETTINGS given to `make faults` replaces the suite's value."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("REDRESS_")}
        chosen = {k: os.environ.get(k, v) for k, v in SETTINGS.items()}
        return {**env, **chosen, "REDRESS_DEV_PORT_BASE": str(self.base)}

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "redress.kit.cli", "dev"],
            cwd=self.root,
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
        )

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for p in self.processes(""):
            p.kill()

    @property
    def log(self) -> Path:
        return self.root / "dev.log"

    def tail(self, n: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])

    def dev_env(self) -> dict[str, str]:
        lines = (self.root / ".data" / "dev.env").read_text().splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)

    @property
    def dsn(self) -> str:
        return self.dev_env()["REDRESS_DATABASE_URL"]

    @property
    def nats_url(self) -> str:
        return self.dev_env()["REDRESS_NATS_URL"]

    def url(self, name: str, path: str = "/health") -> str:
        return f"http://127.0.0.1:{self.base + ENDPOINTS.index(name) + 1}{path}"

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "redress.kit.cli", *args],
            cwd=self.root,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def token(self, *args: str) -> str:
        done = self.cli("token", "issue", *args)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    # -- processes ------------------------------------------------------------------------
    def processes(self, needle: str) -> list[psutil.Process]:
        """The platform's processes whose command line holds `needle`."""
        found = []
        root = str(self.root)
        for p in psutil.process_iter(["cmdline", "cwd"]):
            try:
                line = " ".join(p.info["cmdline"] or [])
                mine = root in line or p.info["cwd"] == root
                if mine and needle in line and p.pid != (self.process and self.process.pid):
                    found.append(p)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        return found

    def one(self, needle: str) -> psutil.Process:
        found = self.processes(needle)
        assert len(found) == 1, f"{needle}: {[p.pid for p in found]}"
        return found[0]

    def service(self, name: str) -> psutil.Process:
        return self.one(f"serve {name} ")

    def relay(self) -> psutil.Process:
        return self.one("cli relay")

    def nats(self) -> psutil.Process:
        return self.one("nats-server")

    def postmaster(self) -> psutil.Process:
        pid_file = self.root / ".data" / "pg" / "postmaster.pid"
        return psutil.Process(int(pid_file.read_text().split()[0]))

    async def restarted(self, find: object, old: int, deadline: float = 60) -> float:
        """Seconds until the supervisor has started again what had pid `old`."""
        started = time.monotonic()
        while time.monotonic() - started < deadline:
            try:
                p = find()  # type: ignore[operator]
                if p.pid != old and p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    return time.monotonic() - started
            except (AssertionError, FileNotFoundError, ValueError, IndexError, psutil.Error):
                pass
            await asyncio.sleep(0.1)
        raise AssertionError(f"not started again within {deadline} s\n{self.tail()}")

    # -- reading state --------------------------------------------------------------------
    async def connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.dsn, timeout=5)

    async def ready(self, name: str, deadline: float = 60) -> None:
        """`name` answers /ready with 200 (it takes requests), or fail at the deadline."""
        async with httpx.AsyncClient(timeout=2) as client:
            started = time.monotonic()
            while True:
                try:
                    if (await client.get(self.url(name, "/ready"))).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() - started > deadline:
                    raise AssertionError(f"{name} not ready within {deadline} s\n{self.tail()}")
                await asyncio.sleep(0.2)

    async def healthy(self, deadline: float = 120, steady: float = 5) -> None:
        """Every /health ok, and each staying ok for `steady` seconds (no flapping)."""
        async with httpx.AsyncClient(timeout=2) as client:
            started = time.monotonic()
            ok_since: dict[str, float | None] = dict.fromkeys(ENDPOINTS)
            while True:
                now = time.monotonic()
                if all(at is not None and now - at >= steady for at in ok_since.values()):
                    return
                if now - started > deadline:
                    waiting = [n for n, at in ok_since.items() if at is None or now - at < steady]
                    raise AssertionError(
                        f"not steadily healthy within {deadline} s: {waiting}\n{self.tail()}"
                    )
                for name in ENDPOINTS:
                    try:
                        answer = await client.get(self.url(name))
                        ok = answer.status_code == 200 and answer.json().get("status") == "ok"
                    except (httpx.HTTPError, ValueError):
                        ok = False
                    if not ok:
                        ok_since[name] = None
                    elif ok_since[name] is None:
                        ok_since[name] = time.monotonic()
                await asyncio.sleep(0.2)
