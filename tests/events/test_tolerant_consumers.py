"""Tolerant consumers: a runner sorts messages on their subjects before decoding them.

Events a newer producer wrote (a type this build does not know, a schema version newer than
its catalogue) are written straight into the log here, as that producer would have; the
relay publishes them to JetStream and a real runner consumes them into PostgreSQL.
"""

from __future__ import annotations

from nats.aio.msg import Msg

from redress.events import catalogue
from redress.events.catalogue.case import CaseOpened
from redress.events.envelope import Event
from redress.events.migrations import migrate
from redress.events.projection import Projection, ProjectionRunner
from redress.events.projection.tolerant import TolerantReader
from redress.events.relay import Relay
from redress.events.store import Conn
from tests.events.helpers import (
    META,
    component,
    new_case,
    opened,
    running,
    wait_until,
    written_by_another_build,
)
from tests.events.test_filtered_delivery import watched


class Countries(Projection):
    """Reads CaseOpened only: the country each case was opened with."""

    name = "countries"
    schema = "intake"
    handles = (CaseOpened,)
    tables = ("opened",)

    async def apply(self, conn: Conn, event: Event) -> None:
        assert isinstance(event.data, CaseOpened)
        await conn.execute(
            "INSERT INTO opened VALUES ($1, $2, $3, $4)",
            event.stream,
            event.data.country or "unknown",
            event.version,
            event.position,
        )


async def countries(system) -> dict[int, str]:
    """The country each case was opened with (the test table's `category` column)."""
    async with system.pool.acquire() as conn:
        rows = await conn.fetch("SELECT position, category FROM intake.opened ORDER BY position")
    return {r["position"]: r["category"] for r in rows}


async def test_an_event_type_this_build_does_not_know_is_never_sent_and_counted(projected):
    """The server sends a runner only the types its projection reads (ADR 39): a newer
    producer's type never reaches it, and is counted as passed over."""
    system = projected
    await system.store.append(new_case(), [opened()], 0, META)
    translated = {"case_id": "c", "language": "km", "text": "..."}
    await written_by_another_build(system, new_case(), "CaseTranslated", 1, translated)
    await written_by_another_build(system, new_case(), "CaseTranslated", 1, translated)
    await system.store.append(new_case(), [opened()], 0, META)
    assert not catalogue.is_known("CaseTranslated")
    runner = ProjectionRunner(Countries(), system.pool, system.js, system.bus)
    sent = watched(runner)
    async with running(runner.run()):
        assert await runner.wait_for(4, timeout=30), runner.status()
        status = runner.status()
    assert sent == [1, 4]
    assert status["status"] == "ok"
    assert status["skipped"] == 2
    assert list((await countries(system)).values()) == ["BD", "BD"]
    assert await runner.checkpoint() == 4


def test_a_server_that_sends_every_type_has_the_unknown_ones_skipped_counted_and_named():
    """A server before NATS 2.10 ignores the runner's filter and sends everything: the
    reader passes over, undecoded, what the projection does not read, and names the types
    this build does not know."""
    reader = TolerantReader(Countries())

    def message(sequence: int, kind: str) -> Msg:
        reply = f"$JS.ACK.S.C.1.{sequence}.{sequence}.0.0"
        return Msg(None, subject=f"events.case.{kind}", reply=reply, data=b"not decoded")

    batch = [message(2, "CaseTranslated"), message(3, "CaseTriaged"), message(5, "Unheard")]
    events, unreadable = reader.read(batch)
    assert (events, unreadable) == ([None, None, None], None)
    reader.count(batch, events, after=1)
    assert reader.status() == {"skipped": 4, "unknown_types": {"CaseTranslated": 1, "Unheard": 1}}
    reader.count(batch, events, after=1)  # received again, after a restart: counted once
    assert reader.status()["skipped"] == 4


async def test_a_newer_version_of_a_type_the_projection_does_not_read_is_skipped(projected):
    system = projected
    triaged = {"case_id": "c", "severity": "high", "indicators": [], "risk_score": 7}
    await written_by_another_build(system, new_case(), "CaseTriaged", 3, triaged)
    await system.store.append(new_case(), [opened()], 0, META)
    runner = ProjectionRunner(Countries(), system.pool, system.js, system.bus)
    async with running(runner.run()):
        assert await runner.wait_for(2, timeout=30), runner.status()
        status = runner.status()
    assert (status["status"], status["skipped"]) == ("ok", 1)
    assert len(await countries(system)) == 1


async def test_a_newer_version_of_a_type_the_projection_reads_halts_it_naming_what_to_deploy(
    projected,
):
    system = projected
    await system.store.append(new_case(), [opened()], 0, META)
    # Shaped as version 2: read as if it were, it would be read wrong without a word.
    newer = opened().model_dump(mode="json")
    await written_by_another_build(system, new_case(), "CaseOpened", 3, newer)
    await system.store.append(new_case(), [opened()], 0, META)
    runner = ProjectionRunner(Countries(), system.pool, system.js, system.bus)
    async with running(runner.run()):
        await wait_until(lambda: _halted(runner))
        status = runner.status()
    assert status["sequence"] == 2
    assert status["error"] == (
        "UnknownSchemaVersion: CaseOpened schema version 3 is newer than this build reads "
        "(up to 2): deploy a build of the intake service whose catalogue has CaseOpened v3; "
        "consumers are deployed before producers (docs/events.md)"
    )
    # What came before it is applied; nothing after it is, and it is never skipped.
    assert list((await countries(system)).values()) == ["BD"]
    assert await runner.checkpoint() == 1


async def test_an_old_version_is_upcast_and_the_current_one_read_as_written(projected):
    system = projected
    v1 = opened().model_dump(mode="json") | {"country": "ZZ"}
    await written_by_another_build(system, new_case(), "CaseOpened", 1, v1)
    v1_known = opened().model_dump(mode="json") | {"country": "KH"}
    await written_by_another_build(system, new_case(), "CaseOpened", 1, v1_known)
    await system.store.append(new_case(), [opened()], 0, META)
    assert CaseOpened.schemaversion == 2
    runner = ProjectionRunner(Countries(), system.pool, system.js, system.bus)
    async with running(runner.run()):
        assert await runner.wait_for(3, timeout=30), runner.status()
        assert runner.status()["status"] == "ok"
    # Version 1 wrote "ZZ" for a country not known; version 2 says None.
    assert list((await countries(system)).values()) == ["unknown", "KH", "BD"]


async def _halted(runner) -> bool:
    return runner.halted is not None


# Published in binary content mode by the relay of a build before ADR 0021: every attribute a
# `ce-` header, the payload the event's data alone.
_AS_BEFORE = """
SELECT position, tx_id::text AS txid, id::text AS id, stream, version, type, schemaversion,
       tenant, to_json(time) #>> '{}' AS time, data::text AS data,
       metadata ->> 'actor' AS actor
FROM eventlog.events ORDER BY position
"""


async def test_messages_an_earlier_relay_published_in_binary_mode_are_read_alike(system, tmp_path):
    async with system.pool.acquire() as conn:
        await migrate(conn, [component(str(tmp_path))])
    await system.store.append(new_case(), [opened()], 0, META)
    async with system.pool.acquire() as conn:
        [row] = await conn.fetch(_AS_BEFORE)
    headers = {"Nats-Msg-Id": row["id"], "ce-specversion": "1.0", "ce-id": row["id"],
               "ce-type": row["type"], "ce-source": "redress", "ce-time": row["time"],
               "ce-schemaversion": str(row["schemaversion"]), "ce-stream": row["stream"],
               "ce-version": str(row["version"]), "ce-tenant": row["tenant"],
               "ce-actor": row["actor"], "ce-position": str(row["position"]),
               "ce-txid": row["txid"]}  # fmt: skip
    subject = f"{system.bus.prefix}.case.CaseOpened"
    await system.js.publish(subject, row["data"].encode(), headers=headers)
    kh = CaseOpened(case_id="c", grievance_id="g", category="wages", country="KH")
    await system.store.append(new_case(), [kh], 0, META)
    # Today's relay resumes after the earlier one's last message, in structured mode.
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    runner = ProjectionRunner(Countries(), system.pool, system.js, system.bus)
    async with running(relay.run()), running(runner.run()):
        assert await runner.wait_for(2, timeout=30), runner.status()
    assert list((await countries(system)).values()) == ["BD", "KH"]
    assert await system.bus.last_sequence(system.js) == 2
    newer = await system.js.get_msg(system.bus.stream, 2)
    assert "ce-type" not in (newer.headers or {})
