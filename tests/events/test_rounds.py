"""A batch in rounds: one kind per round, one event per key, each key's events in order."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from uuid import uuid4

from redress.events.catalogue.case import CaseTriaged, OfficerAssigned, StageEntered
from redress.events.envelope import SYSTEM, Event, EventData
from redress.events.projection import columns, rounds
from tests.events.helpers import opened


def event(stream: str, data: EventData, position: int) -> Event:
    return Event(id=uuid4(), type=data.type, schemaversion=data.schemaversion, stream=stream,
                 version=1, position=position, tx_id=1, tenant="acme",
                 time=datetime(2025, 1, 1, tzinfo=UTC), data=data, actor=SYSTEM)  # fmt: skip


def case_event(case: str, kind: str, position: int) -> Event:
    data: EventData = {
        "open": opened(),
        "stage": StageEntered(case_id=case, grievance_id="g", stage="admissibility"),
        "triage": CaseTriaged(case_id=case, severity="high"),
        "assign": OfficerAssigned(case_id=case, officer="o"),
    }[kind]
    return event(f"case-{case}", data, position)


def by_stream(e: Event) -> str:
    return e.stream


def test_cases_opened_and_entering_their_stage_are_two_rounds_however_they_interleave():
    kinds = ["open", "stage"]
    batch = [case_event(str(c), kind, 2 * c + i) for c in range(5) for i, kind in enumerate(kinds)]
    taken = list(rounds(batch, by_stream))
    assert [[e.type for e in r] for r in taken] == [["CaseOpened"] * 5, ["StageEntered"] * 5]
    assert [e.position for e in taken[0]] == [0, 2, 4, 6, 8]  # the batch's order in a round


def test_one_case_alone_is_one_round_per_event():
    batch = [case_event("a", k, i) for i, k in enumerate(["open", "stage", "triage", "assign"])]
    assert [r for r in rounds(batch, by_stream)] == [[e] for e in batch]


def test_any_batch_keeps_each_keys_order_and_takes_each_event_once():
    shuffle = random.Random(7)
    for _ in range(50):
        kinds = ["open", "stage", "triage", "assign"]
        batch = [case_event(str(shuffle.randrange(6)), shuffle.choice(kinds), i)
                 for i in range(shuffle.randrange(1, 40))]  # fmt: skip
        taken = list(rounds(batch, by_stream))
        assert sorted(e.position for r in taken for e in r) == list(range(len(batch)))
        for r in taken:
            assert len({e.type for e in r}) == 1
            assert len({e.stream for e in r}) == len(r)
            assert [e.position for e in r] == sorted(e.position for e in r)
        applied = [e for r in taken for e in r]
        for stream in {e.stream for e in batch}:
            assert [e for e in applied if e.stream == stream] == [
                e for e in batch if e.stream == stream
            ]


def test_a_kind_may_group_types():
    batch = [case_event("a", "triage", 0), case_event("b", "assign", 1)]
    assert list(rounds(batch, by_stream, lambda e: "changed")) == [batch]


def test_columns_are_the_arrays_of_an_unnest():
    assert columns([(1, "a"), (2, "b")]) == [[1, 2], ["a", "b"]]
    assert columns([]) == []
