"""Several processes of one service (ADR 0036): one runs the runners, every one reads its writes.

The processes are `redress serve assessment` itself, on real PostgreSQL and NATS, with the
relay running in the test. A write answered by a process that does not run the runners is
read back through that process with `min_version` (its listener hears the runner's
announcement); when the process running them is killed, another takes them over from the
checkpoints, and rebuilding the views from the stream gives what the processes wrote.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from redress.assessment.app import service as assessment
from redress.assessment.facts import MemberFacts
from redress.assessment.projections import AssessmentViews
from redress.events.migrations import migrate
from redress.events.projection import ProjectionRunner
from redress.events.relay import Relay
from redress.kit.auth import signer_for
from redress.kit.settings import Settings
from tests.assessment.conftest import admit
from tests.cases.test_rebuild import snapshot
from tests.events.helpers import running, wait_until

pytestmark = pytest.mark.slow

ORG = "acme-apparel"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    """`redress serve assessment` processes on one database and stream."""

    system: Any
    root: Path
    env: dict[str, str]
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, port: int, *options: str) -> subprocess.Popen[bytes]:
        argv = [sys.executable, "-m", "redress.kit.cli", "serve", "assessment"]
        process = subprocess.Popen(
            [*argv, "--host", "127.0.0.1", "--port", str(port), *options],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=(self.root / f"serve-{port}.log").open("ab"),
        )
        self.started.append(process)
        return process

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.root.glob("*.log"))


@pytest.fixture
async def served(system, tmp_path) -> AsyncIterator[tuple[Served, dict[str, str]]]:
    async with system.pool.acquire() as conn:
        await migrate(conn, [assessment.component])
    await admit(system, ORG)  # the initiative `acme`, which has admitted the member's ORG
    settings = Settings(
        dev=True,
        database_url=system.dsn,
        nats_url=system.nats_url,
        nats_stream=system.bus.stream,
        nats_subject_prefix=system.bus.prefix,
        data_dir=tmp_path,
        _env_file=None,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDRESS_")}
    env |= {
        "REDRESS_DEV": "1",
        "REDRESS_DATABASE_URL": system.dsn,
        "REDRESS_NATS_URL": system.nats_url,
        "REDRESS_NATS_STREAM": system.bus.stream,
        "REDRESS_NATS_SUBJECT_PREFIX": system.bus.prefix,
        "REDRESS_DATA_DIR": str(tmp_path),
        "REDRESS_LOG_JSON": "0",
    }
    token = signer_for(settings).issue(f"{ORG}-user", "acme", ["member"], ORG)
    processes = Served(system, tmp_path, env)
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    try:
        async with running(relay.run()):
            yield processes, {"Authorization": f"Bearer {token}"}
    finally:
        for process in processes.started:
            for p in [*_children(process.pid), process]:
                with contextlib.suppress(psutil.NoSuchProcess, ProcessLookupError):
                    p.kill()
            process.wait(30)


def _children(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


async def _logged(processes: Served, text: str) -> bool:
    return text in processes.log()


async def health(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=5) as client:
        try:
            answer = await client.get(f"{url}/health")
        except httpx.HTTPError:
            return {}
    return dict(answer.json()) | {"code": answer.status_code}


async def healthy(url: str, *, leading: bool | None = None) -> bool:
    body = await health(url)
    if body.get("code") != 200 or (leading is not None and body["leading"] is not leading):
        return False
    return all(p["status"] == "ok" for p in body["projections"])


async def written_and_read(system, url: str, member: dict[str, str], n: int) -> list[str]:
    """`n` assessments started and answered through `url`, each read back there at once with
    `min_version`: how each read went.

    "read": 200. "behind": 202, and the view had indeed not applied the write when the test
    looked, right after; the read is asked again until 200 (on the suite's shared server,
    another test's open transaction can hold delivery back past the read's 2 s). "missed": 202
    although the view had applied the write: the process did not hear it in time.
    """
    found = []
    async with httpx.AsyncClient(base_url=url, headers=member, timeout=10) as client:
        for i in range(n):
            started = await client.post("/v1/assessments", json={"title": f"2026 {i}"})
            assert started.status_code == 201, started.text
            assessment_id = started.json()["assessment_id"]
            answered = await client.put(
                f"/v1/assessments/{assessment_id}/answers/gov-l1",
                json={"answer": "met", "evidence": [{"text": "Policy signed, March 2026"}]},
            )
            assert answered.status_code == 200, answered.text
            version = answered.json()["version"]
            path, asked = f"/v1/assessments/{assessment_id}", {"min_version": version}
            read = await client.get(path, params=asked)
            if read.status_code == 200:
                found.append("read")
                continue
            assert read.status_code == 202, read.text
            behind = await applied(system, assessment_id) < version
            found.append("behind" if behind else "missed")

            async def readable(path: str = path, asked: dict[str, int] = asked) -> bool:
                return (await client.get(path, params=asked)).status_code == 200

            await wait_until(readable, timeout=30)
    return found


async def applied(system, stream: str) -> int:
    async with system.pool.acquire() as conn:
        version = await conn.fetchval(
            "SELECT version FROM assessment.applied_versions"
            " WHERE projection = 'views' AND stream = $1",
            stream,
        )
    return int(version or 0)


async def caught_up(system, url: str) -> bool:
    """Every runner of the service at the stream's end, as /health says."""
    end = await system.bus.last_sequence(system.js)
    body = await health(url)
    return body.get("code") == 200 and all(p["position"] >= end for p in body["projections"])


async def rebuilt_equals_live(system) -> None:
    for projection in (AssessmentViews(), MemberFacts()):
        live = await snapshot(system.pool, projection)
        runner = ProjectionRunner(projection, system.pool, system.js, system.bus)
        assert await runner.replay() == await system.bus.last_sequence(system.js)
        assert await snapshot(system.pool, projection) == live, projection.key


async def test_the_process_not_running_the_runners_reads_its_writes_and_takes_them_over(served):
    processes, member = served
    system = processes.system
    first_url, second_url = (f"http://127.0.0.1:{free_port()}" for _ in range(2))
    first = processes.start(int(first_url.rsplit(":", 1)[1]))
    await wait_until(lambda: healthy(first_url, leading=True), timeout=60)
    # What uvicorn itself says (of a request it cannot parse) is a line of the service's log.
    with socket.create_connection(("127.0.0.1", int(first_url.rsplit(":", 1)[1])), 5) as raw:
        raw.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nIdempotency-Key: a\x01b\r\n\r\n")
        assert raw.recv(1024).startswith(b"HTTP/1.1 400")
    await wait_until(lambda: _logged(processes, "Invalid HTTP request received"), timeout=10)
    (said,) = [line for line in processes.log().splitlines() if "Invalid HTTP request" in line]
    assert "service" in said and "assessment" in said and "warning" in said, said
    processes.start(int(second_url.rsplit(":", 1)[1]))
    await wait_until(lambda: healthy(second_url, leading=False), timeout=60)

    # Written and read through the process that does not run the runners: a 202 only while
    # the view is behind.
    reads = await written_and_read(system, second_url, member, 10)
    assert "missed" not in reads, (reads, processes.log())
    await wait_until(lambda: caught_up(system, second_url), timeout=30)
    standby = await health(second_url)
    assert standby["leading"] is False
    assert {p["projection"] for p in standby["projections"]} == {
        "assessment.views",
        "assessment.facts",
    }
    # The runners never ran there, so never started again there either.
    assert all("restarts" not in p for p in standby["projections"]), standby
    assert (await health(first_url))["leading"] is True

    first.send_signal(signal.SIGKILL)
    first.wait(30)
    await wait_until(lambda: healthy(second_url, leading=True), timeout=30)
    reads = await written_and_read(system, second_url, member, 5)
    assert "missed" not in reads, (reads, processes.log())
    await wait_until(lambda: caught_up(system, second_url), timeout=30)

    for process in processes.started:
        process.terminate()
        process.wait(30)
    await rebuilt_equals_live(system)


def workers_of(parent: subprocess.Popen[bytes]) -> set[int]:
    """The worker processes uvicorn runs under `parent` (started by multiprocessing)."""
    found = set()
    for p in _children(parent.pid):
        try:
            if p.status() != psutil.STATUS_ZOMBIE and "spawn_main" in " ".join(p.cmdline()):
                found.add(p.pid)
        except psutil.Error:  # gone meanwhile
            pass
    return found


async def test_serve_with_two_workers_reads_writes_and_outlives_each_worker(served):
    """`redress serve --workers 2`: two processes on one port. Each of the two first workers
    is killed in turn, so that the one running the runners certainly is: uvicorn starts
    another, the runners go on in one of them, and every write is read back."""
    processes, member = served
    system = processes.system
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    parent = processes.start(port, "--workers", "2")

    async def two_workers() -> bool:
        # One of them (whichever answers) says that it runs the runners.
        return len(workers_of(parent)) == 2 and await healthy(url, leading=True)

    await wait_until(two_workers, timeout=60)
    original = workers_of(parent)
    reads = await written_and_read(system, url, member, 6)
    assert "missed" not in reads, (reads, processes.log())
    for pid in sorted(original):
        psutil.Process(pid).kill()
        await wait_until(lambda pid=pid: _replaced(parent, pid), timeout=60)
        await wait_until(two_workers, timeout=60)
        reads = await written_and_read(system, url, member, 4)
        assert "missed" not in reads, (reads, processes.log())
    assert not workers_of(parent) & original
    await wait_until(lambda: caught_up(system, url), timeout=30)

    parent.terminate()
    assert parent.wait(30) == 0
    assert _children(parent.pid) == []
    await rebuilt_equals_live(system)


async def _replaced(parent: subprocess.Popen[bytes], pid: int) -> bool:
    return pid not in workers_of(parent) and len(workers_of(parent)) == 2
