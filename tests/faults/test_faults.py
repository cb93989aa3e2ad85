"""Issue 8's faults, produced from outside against `redress dev` under a steady load: 50
filings/s, or 60% of what the platform carries on this machine if that is less (measured
once, before the first fault, and reported).

After each, with nobody restarting anything: every /health back to ok by itself; the log and
the stream agree event by event; every filing accepted exactly once and with exactly one case.
The load's client asks again, with the same Idempotency-Key, after a 503 or no answer within
15 s, as a member's system does; no connection may close unanswered, and during a PostgreSQL
outage every attempt is answered in time, 201 or 503 with Retry-After.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections import Counter
from collections.abc import Awaitable, Callable

import psutil
import pytest

from tests.faults.checks import (
    cases_per_grievance,
    caught_up,
    disagreements,
    filing_failures,
    grievances_since,
    log_head,
)
from tests.faults.observe import RATE, TIMEOUT_S, Load, Watch, carried, suite_rate
from tests.faults.platform import ENDPOINTS, NAMES, Platform
from tests.faults.report import REPORT, Row

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]

SERVICES = set(NAMES)
EVERYTHING = set(ENDPOINTS)
Act = Callable[[], Awaitable[tuple[float, float]]]
_tokens: dict[str, str] = {}
_rate: list[float] = []


def member(platform: Platform) -> str:
    if "member" not in _tokens:
        _tokens["member"] = platform.token(
            "--role", "member", "--org", "acme-apparel", "--sub", "fault-load", "--ttl", "7200"
        )
    return _tokens["member"]


async def load_rate(platform: Platform) -> float:
    """The suite's filings per second, from what this machine's platform carries (once)."""
    if not _rate:
        carries = await carried(platform, member(platform))
        _rate.append(suite_rate(carries))
        REPORT.notes.append(
            f"load: {_rate[0]:.1f} filings/s; offered {2 * RATE:.0f}/s, the platform accepted"
            f" {carries:.1f}/s on this machine"
        )
        await platform.healthy(120)
    return _rate[0]


async def exercise(
    platform: Platform,
    fault: str,
    act: Act,
    expect: set[str],
    answered: bool = True,
    outage: bool = False,
    stopped: frozenset[str] = frozenset(),
) -> Load:
    """Load and watch, `act` (which returns when the fault began and ended), then the checks.

    `expect`: the endpoints whose /health must fail while the fault lasts. `answered`: no
    connection may close without an answer, and every filing must be accepted (False only when
    intake itself is killed). `outage`: while the database is out (from the fault's
    start to its end), every attempt must be answered within the client's timeout. `stopped`: the
    endpoints whose own process the fault stops or kills; every other /health must answer
    (within the watch's 3 s) throughout, whatever it has to say.
    """
    load = Load(platform, member(platform), rate=await load_rate(platform))
    watch = Watch(platform)
    failures, head = [], await log_head(platform)
    async with watch.running(), load.running():
        await asyncio.sleep(3)
        start, end = await act()
        try:
            await platform.healthy(90)  # by itself: nobody restarts anything
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
        await watch.settled()
    for name in ENDPOINTS:
        detected, healed = watch.transitions(name, start, end)
        seen = ", ".join(sorted(watch.seen(name, start)))
        parts = ", ".join(sorted(watch.not_ok(name, start)))
        REPORT.transition(Row(fault, name, detected, healed, seen, name in expect, parts))
        if name in expect and detected is None:
            failures.append(f"/health of {name} stayed ok throughout")
        if detected is not None and healed is None:
            failures.append(f"/health of {name} did not come back to ok: {watch.last(name, end)}")
        if name not in stopped and (silent := watch.unanswered(name, start, end)):
            failures.append(f"/health of {name} gave no answer during the fault: {silent}")
    rows, ids = await caught_up(platform)
    failures += disagreements(rows, ids)
    failures += filing_failures(load, answered, outage, start, end)
    if (filed := await grievances_since(platform, head)) != len(load.accepted):
        failures.append(f"{filed} grievances in the log for {len(load.accepted)} accepted filings")
    cases = await cases_per_grievance(platform, load.accepted)
    if without := [g for g, n in cases.items() if n != 1]:
        failures.append(f"{len(without)} of {len(cases)} accepted grievances without one case")
    late = sum(a.late for a in load.answers)
    shed = Counter(str(a.kind) for a in load.answers if a.status == 503)
    kinds = f" ({', '.join(f'{k} {n}' for k, n in sorted(shed.items()))})" if shed else ""
    REPORT.notes.append(
        f"{fault}: {load.sent} filings sent, {len(load.accepted)} accepted"
        f" ({late} answers later than {TIMEOUT_S:.0f} s and {shed.total()} 503s{kinds},"
        f" each asked again), {len(rows)} events in the log, {len(ids)} in the stream"
    )
    # Written after every fault, so that a run cut short still leaves its figures.
    REPORT.notes += [f"{fault}: FAILED: {f}" for f in failures]
    REPORT.write()
    assert not failures, "\n".join(failures) + "\n" + platform.tail(20)
    return load


async def hold(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def replay(platform: Platform, name: str, deadline: float = 180) -> None:
    """`redress replay`: done, or refused on a live system; on a hang, who waits on what."""
    try:
        done = await asyncio.to_thread(platform.cli, "replay", name, timeout=deadline)
    except subprocess.TimeoutExpired as exc:
        conn = await platform.connect()
        try:
            waiting = await conn.fetch(
                "SELECT pid, application_name, state, wait_event_type, wait_event,"
                " now() - query_start AS for, left(query, 120) AS query FROM pg_stat_activity"
                " WHERE datname = current_database() AND state <> 'idle'"
            )
        finally:
            await conn.close()
        sessions = "\n".join(str(dict(r)) for r in waiting)
        raise AssertionError(
            f"redress replay {name} did not end within {deadline} s; {exc.stderr!r}\n{sessions}"
        ) from None
    assert done.returncode == 0 or "--offline" in done.stderr, done.stderr


async def test_nats_killed_with_a_page_in_flight(ready: Platform) -> None:
    """Item 1: SIGSTOP nats-server, filings pile up, SIGKILL it; the supervisor starts it."""

    async def act() -> tuple[float, float]:
        nats = ready.nats()
        start = time.monotonic()
        nats.suspend()
        await hold(8)
        nats.kill()
        await ready.restarted(ready.nats, nats.pid)
        return start, time.monotonic()

    await exercise(ready, "1 nats SIGSTOP 8 s, SIGKILL", act, EVERYTHING)


async def test_postgres_killed_and_started_again(ready: Platform) -> None:
    """Items 2, 6, 10: the postmaster SIGKILLed; the supervisor starts it on the same data."""

    async def act() -> tuple[float, float]:
        postmaster = ready.postmaster()
        start = time.monotonic()
        postmaster.kill()
        await ready.restarted(ready.postmaster, postmaster.pid)
        return start, time.monotonic()

    await exercise(ready, "2 postgres SIGKILL", act, EVERYTHING, outage=True)


async def test_postgres_stalled(ready: Platform) -> None:
    """Items 2, 6: PostgreSQL stops answering for 15 s (postmaster and backends SIGSTOPped)."""

    async def act() -> tuple[float, float]:
        postmaster = ready.postmaster()
        group = [postmaster, *postmaster.children()]
        start = time.monotonic()
        for p in group:
            p.suspend()
        await hold(15)
        for p in group:
            p.resume()
        return start, time.monotonic()

    await exercise(ready, "2 postgres SIGSTOP 15 s", act, EVERYTHING, outage=True)


async def test_relay_killed(ready: Platform) -> None:
    """Items 4, 5: the relay SIGKILLed; the supervisor starts it, delivery resumes."""

    async def act() -> tuple[float, float]:
        relay = ready.relay()
        start = time.monotonic()
        relay.kill()
        await ready.restarted(ready.relay, relay.pid)
        return start, time.monotonic()

    await exercise(ready, "5 relay SIGKILL", act, {"relay"}, stopped=frozenset({"relay"}))


async def test_relay_hung(ready: Platform) -> None:
    """Item 5: the relay SIGSTOPped for 12 s: every service's /health says delivery stopped."""

    async def act() -> tuple[float, float]:
        relay = ready.relay()
        start = time.monotonic()
        relay.suspend()
        await hold(12)
        relay.resume()
        return start, time.monotonic()

    await exercise(ready, "5 relay SIGSTOP 12 s", act, EVERYTHING, stopped=frozenset({"relay"}))


async def test_service_killed(ready: Platform) -> None:
    """Item 4: cases SIGKILLed under load; the supervisor starts it, its cases all open."""

    async def act() -> tuple[float, float]:
        cases = ready.service("cases")
        start = time.monotonic()
        cases.kill()
        await ready.restarted(lambda: ready.service("cases"), cases.pid)
        return start, time.monotonic()

    await exercise(ready, "4 cases SIGKILL", act, {"cases"}, stopped=frozenset({"cases"}))


async def test_services_started_while_nats_is_down(ready: Platform) -> None:
    """Items 4, 8: NATS stopped; intake and metrics die and start again without it. Intake
    takes filings meanwhile; both catch up once NATS answers again."""
    filed_meanwhile: list[int] = []

    async def act() -> tuple[float, float]:
        nats = ready.nats()
        start = time.monotonic()
        nats.suspend()
        try:
            for name in ("intake", "metrics"):
                old = ready.service(name)
                old.kill()
                await ready.restarted(lambda n=name: ready.service(n), old.pid)
            # NATS stays down until intake serves again (its start takes longer on a busy
            # machine), and 8 s more, in which it must take filings.
            await ready.ready("intake")
            await hold(8)
            filed_meanwhile.append(time.monotonic())
        finally:
            nats.resume()
        return start, time.monotonic()

    load = await exercise(
        ready,
        "8 services start, NATS down",
        act,
        EVERYTHING,
        answered=False,
        stopped=frozenset({"intake", "metrics"}),
    )
    assert any(
        a.status == 201 and filed_meanwhile[0] - 8 < a.sent < filed_meanwhile[0]
        for a in load.answers
    ), "intake took no filing while NATS was down"


async def test_replay_while_a_service_is_stopped_and_nats_pauses(ready: Platform) -> None:
    """Item 3, as seen: SIGSTOP metrics, replay its projection, SIGSTOP NATS, SIGCONT
    metrics, SIGCONT NATS after 12 s: its projection runs again by itself."""

    async def act() -> tuple[float, float]:
        metrics, nats = ready.service("metrics"), ready.nats()
        metrics.suspend()
        try:
            await replay(ready, "metrics.counts")
            # The fault the others must notice is NATS's pause: measured from there.
            start = time.monotonic()
            nats.suspend()
            metrics.resume()
            await hold(12)
        finally:
            metrics.resume()
            nats.resume()
        return start, time.monotonic()

    await exercise(
        ready, "3 replay, NATS SIGSTOP 12 s", act, EVERYTHING, stopped=frozenset({"metrics"})
    )


async def test_replay_on_a_live_system(ready: Platform) -> None:
    """Item 10: `redress replay cases.views` while filings keep coming."""

    async def act() -> tuple[float, float]:
        start = time.monotonic()
        await replay(ready, "cases.views")
        return start, time.monotonic()

    await exercise(ready, "10 replay cases.views live", act, set())


async def test_transaction_held_under_the_idle_timeout(ready: Platform) -> None:
    """Item 7: a session (an operator's psql) holds a transaction with an xid open for 8 s,
    under the 10 s idle timeout: delivery waits behind it, health says so, then resumes."""

    async def act() -> tuple[float, float]:
        conn = await ready.connect()
        try:
            start = time.monotonic()
            async with conn.transaction():
                await conn.execute("SELECT pg_current_xact_id()")
                await hold(8)
            return start, time.monotonic()
        finally:
            await conn.close()

    await exercise(ready, "7 transaction open 8 s", act, SERVICES)


async def test_transaction_held_past_the_idle_timeout(ready: Platform) -> None:
    """Item 7: a session with the platform's idle timeout (10 s) is left in a transaction:
    PostgreSQL ends it, and delivery resumes with nobody doing anything."""

    async def act() -> tuple[float, float]:
        conn = await ready.connect()
        await conn.execute("SET idle_in_transaction_session_timeout = '10s'")
        pid = await conn.fetchval("SELECT pg_backend_pid()")
        start = time.monotonic()
        await conn.execute("BEGIN; SELECT pg_current_xact_id()")
        probe = await ready.connect()
        try:
            while await probe.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid):
                assert time.monotonic() - start < 30, "the idle transaction was never ended"
                await asyncio.sleep(0.2)
            return start, time.monotonic()
        finally:
            await probe.close()
            conn.terminate()

    await exercise(ready, "7 transaction idle past 10 s", act, SERVICES)


async def test_relay_cpu_held_back_beside_idle(ready: Platform) -> None:
    """Item 7: the relay's CPU over 10 s held back by an open transaction (20 events waiting
    behind it) beside 10 s at idle: within 2x."""
    window = 10.0
    relay = ready.relay()

    def cpu() -> float:
        t = relay.cpu_times()
        return t.user + t.system

    before = cpu()
    await asyncio.sleep(window)
    idle = cpu() - before
    conn = await ready.connect()
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_current_xact_id()")
            load = Load(ready, member(ready))
            async with load.running():
                await asyncio.sleep(0.4)  # 20 filings, committed behind the open transaction
            before = cpu()
            await asyncio.sleep(window)
            held = cpu() - before
    finally:
        await conn.close()
    REPORT.cpu += [("idle", idle, window), ("held back by an open transaction", held, window)]
    REPORT.write()
    assert relay.is_running() and relay.pid == ready.relay().pid
    assert held <= max(2 * idle, 0.05), f"held back {held:.3f} s CPU, idle {idle:.3f} s"
    await ready.healthy(60)
    assert psutil.pid_exists(relay.pid)
