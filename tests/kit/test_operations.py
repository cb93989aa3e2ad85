"""`redress verify` and `redress status`, run as an operator runs them."""

from __future__ import annotations

import asyncio
import re

from redress.events.migrations import migrate
from redress.events.projection import ProjectionRunner
from redress.events.relay import Relay
from tests.events.faults import own_nats
from tests.events.helpers import (
    META,
    OpenedCases,
    component,
    new_case,
    opened,
    running,
    wait_until,
    written_by_another_build,
)
from tests.kit.test_cli import redress, system_env


def row(output: str, label: str) -> str:
    """The value beside `label` in one of the tables printed."""
    found = re.search(rf"{re.escape(label)}\s*│\s*([^│\n]+?)\s*│", output)
    assert found, f"no row {label!r} in:\n{output}"
    return found.group(1)


async def test_verify_and_status_on_a_healthy_system_then_with_the_relay_stopped(system, tmp_path):
    async with system.pool.acquire() as conn:
        await migrate(conn, [component(str(tmp_path))])
    env = system_env(system, tmp_path) | {
        # A service that answers nothing: status says so, and exits 1.
        "REDRESS_PEER_URLS": '{"intake": "http://127.0.0.1:1"}',
    }
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    runner = ProjectionRunner(OpenedCases(), system.pool, system.js, system.bus)
    async with running(relay.run()), running(runner.run()):
        for _ in range(4):
            await system.store.append(new_case(), [opened()], 0, META)
        await wait_until(lambda: _checkpoint(runner, 4))
        verified = await asyncio.to_thread(redress, "verify", env=env)
        status = await asyncio.to_thread(redress, "status", env=env)
    assert verified.returncode == 0, verified.stderr
    assert "log: 4 events; stream: 4 messages" in verified.stdout
    assert "the stream holds the log" in verified.stdout
    assert re.search(r"intake\s*│\s*opened\s*│\s*4\s*│\s*ok", verified.stdout), verified.stdout
    assert row(status.stdout, "events not yet in the stream") == "0"
    assert row(status.stdout, "intake.opened") == "0"
    assert row(status.stdout, "intake").startswith("no answer: ConnectError")
    assert row(status.stdout, "event types this build does not know") == "none"
    assert status.returncode == 1

    # The relay stopped: what is appended waits, and status shows it waiting.
    await system.store.append(new_case(), [opened()], 0, META)
    first = await asyncio.to_thread(redress, "status", env=env)
    await system.store.append(new_case(), [opened()], 0, META)
    second = await asyncio.to_thread(redress, "status", env=env)
    assert row(first.stdout, "events not yet in the stream") == "1"
    assert row(second.stdout, "events not yet in the stream") == "2"
    assert float(row(second.stdout, "oldest of them waiting, s")) >= float(
        row(first.stdout, "oldest of them waiting, s")
    )
    behind = await asyncio.to_thread(redress, "verify", env=env)
    assert behind.returncode == 0, behind.stdout
    assert "(2 events not published yet)" in behind.stdout


async def test_verify_exits_1_and_names_the_stray_message(system, tmp_path):
    await system.store.append(new_case(), [opened()], 0, META)
    await system.js.publish(
        f"{system.bus.prefix}.case.CaseOpened", b"{}", headers={"Nats-Msg-Id": "stray"}
    )
    result = await asyncio.to_thread(redress, "verify", env=system_env(system, tmp_path))
    assert result.returncode == 1
    assert "1 messages not in the log" in result.stdout
    assert "from sequence 1 on, the stream is not the log" in result.stdout


async def _checkpoint(runner: ProjectionRunner, n: int) -> bool:
    return await runner.checkpoint() >= n


async def test_status_names_the_event_types_this_build_does_not_know(system, tmp_path):
    """A newer producer's types are sent to no runner of this build (ADR 39): the stream's
    count per subject is where an operator sees them."""
    await written_by_another_build(system, new_case(), "CaseTranslated", 1, {"x": 1})
    await written_by_another_build(system, new_case(), "CaseTranslated", 1, {"x": 2})
    await system.store.append(new_case(), [opened()], 0, META)
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with running(relay.run()):
        await wait_until(lambda: _published(system, 3))
    status = await asyncio.to_thread(redress, "status", env=system_env(system, tmp_path))
    assert row(status.stdout, "event types this build does not know") == "CaseTranslated (2)"


async def _published(system, n: int) -> bool:
    return await system.bus.last_sequence(system.js) >= n


async def test_status_with_nats_down_still_shows_the_services_and_names_the_server(
    system, tmp_path
):
    env = system_env(system, tmp_path) | {
        "REDRESS_NATS_URL": "nats://127.0.0.1:1",
        "REDRESS_PEER_URLS": '{"intake": "http://127.0.0.1:1"}',
    }
    status = await asyncio.to_thread(redress, "status", env=env)
    assert "delivery unknown: cannot reach NATS at nats://127.0.0.1:1" in status.stdout
    assert row(status.stdout, "intake").startswith("no answer: ConnectError")
    assert "Traceback" not in status.stderr
    assert status.returncode == 1


async def test_status_with_nats_frozen_says_so_once(system, tmp_path):
    """A SIGSTOPped NATS accepts the connection and never answers: the status names it in
    its own line, and nats-py's error on the way is not printed as another."""
    async with own_nats(tmp_path / "nats") as server:
        env = system_env(system, tmp_path) | {
            "REDRESS_NATS_URL": server.url,
            "REDRESS_PEER_URLS": '{"intake": "http://127.0.0.1:1"}',
        }
        server.pause()
        try:
            status = await asyncio.to_thread(redress, "status", env=env)
        finally:
            server.carry_on()
    assert status.stdout.startswith(f"delivery unknown: cannot reach NATS at {server.url}")
    assert status.stdout.count("TimeoutError") == 1, status.stdout
    assert status.returncode == 1
