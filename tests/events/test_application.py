"""The application layer's one `execute`: decide on the log, append, and on a clash, again."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from redress.events.application import Recorded, Refused, Within, execute
from redress.events.envelope import Event
from redress.events.errors import ConcurrencyError
from redress.kit import errors
from tests.events.helpers import META, new_case, opened


def one_more(category: str):
    """A decision that appends one event, whatever the stream holds."""
    return lambda history: [opened(category)]


async def test_writers_at_once_on_one_stream_all_get_through_in_turn(system):
    stream = new_case()
    writers = [execute(system.store, stream, one_more(str(i)), META) for i in range(8)]
    done = await asyncio.gather(*writers)
    assert sorted(d.version for d in done) == list(range(1, 9))
    events = await system.store.read_stream(stream)
    assert sorted(e.data.category for e in events) == [str(i) for i in range(8)]


async def test_each_writer_decides_on_what_the_ones_before_it_wrote(system):
    stream = new_case()

    def count(history: list[Event]) -> list[Any]:
        return [opened(str(len(history)))]

    await asyncio.gather(*(execute(system.store, stream, count, META) for _ in range(5)))
    events = await system.store.read_stream(stream)
    # Every decision saw every event before its own: no two decided on the same state.
    assert [e.data.category for e in events] == ["0", "1", "2", "3", "4"]


async def test_a_decision_of_nothing_appends_nothing(system):
    stream = new_case()
    done = await execute(system.store, stream, lambda history: [], META)
    assert (done.version, list(done.events)) == (0, [])
    assert await system.store.stream_version(stream) == 0


async def test_writers_past_the_attempts_get_the_conflict(system):
    stream = new_case()
    await system.store.append(stream, [opened()], 0, META)

    async def clash(history: list[Event]) -> list[Any]:
        # Another writer appends after every read: this writer is always behind.
        await system.store.append(stream, [opened("other")], len(history), META)
        return [opened()]

    with pytest.raises(ConcurrencyError):
        await execute(system.store, stream, clash, META, attempts=3)
    assert await system.store.stream_version(stream) == 1 + 3


class Answered(Within):
    """A transaction that finds the write answered before, as a replayed idempotency key."""

    async def begin(self, conn) -> Any:
        return "first"


async def test_an_earlier_answer_ends_the_write_before_anything_is_decided(system):
    stream = new_case()
    decided = []

    def decide(history: list[Event]) -> list[Any]:
        decided.append(history)
        return [opened()]

    done = await execute(system.store, stream, decide, META, transaction=Answered())
    assert done.earlier == "first" and decided == []
    assert await system.store.stream_version(stream) == 0


async def test_an_effect_that_fails_takes_the_events_back_with_it(system):
    stream = new_case()
    within = Within()

    async def decide(history: list[Event]) -> list[Any]:
        assert within.conn is not None
        await within.conn.execute("SELECT 1")  # the effect runs in the write's transaction
        return [opened()]

    class Failing(Within):
        async def end(self, conn, recorded: Recorded) -> None:
            raise RuntimeError("the effect failed")

    failing = Failing()
    with pytest.raises(RuntimeError):
        await execute(system.store, stream, lambda h: [opened()], META, transaction=failing)
    assert await system.store.stream_version(stream) == 0
    done = await execute(system.store, stream, decide, META, transaction=within)
    assert done.version == 1


def test_every_refusal_is_answered_once_as_problem_json():
    class Closed(Refused):
        statuses = {"nothing-there": 404}

    app = FastAPI()
    errors.install(app)

    @app.post("/closed/{kind}")
    async def refuse(kind: str) -> None:
        raise Closed(kind, f"refused: {kind}")

    client = TestClient(app)
    conflict = client.post("/closed/already-closed")
    assert conflict.status_code == 409
    assert conflict.headers["content-type"] == "application/problem+json"
    assert conflict.json()["type"] == "urn:redress:problem:already-closed"
    assert conflict.json()["detail"] == "refused: already-closed"
    assert client.post("/closed/nothing-there").status_code == 404
