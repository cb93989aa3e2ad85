"""Retention: the platform erases personal data a tenant's period after a case closes, by
itself, unless a legal hold keeps it; the clock is a FixedClock the test moves by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from redress.cases import holds
from redress.cases.domain import CaseRefused
from redress.events.catalogue.case import CaseClosed, CaseOpened, CaseReopened
from redress.events.catalogue.case_oversight import HoldGrounds, LegalHoldPlaced, LegalHoldReleased
from redress.events.envelope import Actor, Event
from redress.events.timers import FixedClock
from redress.intake import retention
from redress.intake.housekeeping import set_clock
from redress.kit.crypto import grievance_key_id
from tests.cases.test_authz import file_case, officer_post
from tests.events.helpers import wait_until

T0 = datetime(2026, 1, 10, 12, tzinfo=UTC)


def at(data, days: float = 0) -> Event:
    """An event of a case stream, `days` after T0 (only `data` and `time` matter here)."""
    return Event(id="00000000-0000-7000-8000-000000000000", type=data.type, schemaversion=1,
                 stream="case-x", version=1, position=1, tx_id=1, tenant="acme",
                 time=T0 + timedelta(days=days), data=data,
                 actor=Actor(id="o", role="officer"))  # fmt: skip


def test_the_retention_clock_starts_at_closure_and_stops_for_a_hold_or_a_reopening():
    ids = {"case_id": "case-x", "grievance_id": "g"}
    closed = [at(CaseClosed(**ids, outcome="resolved"))]
    state = retention.fold(closed)
    assert not retention.due(state, 30, T0 + timedelta(days=29, hours=23))
    assert retention.due(state, 30, T0 + timedelta(days=30))
    assert not retention.due(state, None, T0 + timedelta(days=3000))  # no period: kept
    held = [*closed, at(LegalHoldPlaced(**ids, grounds=HoldGrounds.litigation), 5)]
    assert not retention.due(retention.fold(held), 30, T0 + timedelta(days=400))
    released = [*held, at(LegalHoldReleased(**ids), 200)]
    assert retention.due(retention.fold(released), 30, T0 + timedelta(days=400))
    reopened = [*closed, at(CaseReopened(**ids, reason="again"), 10)]
    assert not retention.due(retention.fold(reopened), 30, T0 + timedelta(days=400))
    assert not retention.due(retention.fold([]), 30, T0 + timedelta(days=400))


def test_a_hold_is_placed_once_and_released_once():
    opened = CaseOpened(case_id="case-x", grievance_id="g", category="other", country="BD")
    place = holds.PlaceLegalHold(HoldGrounds.criminal_investigation)
    (placed,) = holds.decide(place, [opened])
    assert placed == LegalHoldPlaced(case_id="case-x", grievance_id="g",
                                     grounds=HoldGrounds.criminal_investigation)  # fmt: skip
    for command, events, kind in [
        (place, [opened, placed], "already-held"),
        (holds.ReleaseLegalHold(), [opened], "not-held"),
        (place, [], "unknown-case"),
    ]:
        with pytest.raises(CaseRefused) as refused:
            holds.decide(command, events)
        assert refused.value.kind == kind
    (released,) = holds.decide(holds.ReleaseLegalHold(), [opened, placed])
    assert isinstance(released, LegalHoldReleased)


async def set_retention(platform, days) -> dict:
    admin = platform.token(("admin",), sub="admin-1")
    answer = await platform.intake.put("/v1/retention", json={"days": days}, headers=admin)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def closed_case(platform, how: str) -> tuple[str, str]:
    """A case closed (referred) or rejected; its grievance id."""
    case_id = await file_case(platform)
    steps = {
        "closed": [("/accept", {}), ("/advance", {"to": "response"}),
                   ("/close", {"outcome": "referred"})],
        "rejected": [("/reject", {"grounds": "handled_elsewhere"})],
    }[how]  # fmt: skip
    for path, body in steps:
        await officer_post(platform, case_id, path, body)
    grievance_id = (await platform.system.store.read_stream(case_id))[0].data.grievance_id
    await wait_until(lambda: _row(platform, grievance_id, "closed_at IS NOT NULL"))
    return case_id, grievance_id


async def _row(platform, grievance_id: str, condition: str) -> bool:
    async with platform.system.pool.acquire() as conn:
        return bool(await conn.fetchval(
            f"SELECT {condition} FROM intake.grievances WHERE grievance_id = $1", grievance_id
        ))  # fmt: skip


async def has_key(platform, grievance_id: str) -> bool:
    async with platform.system.pool.acquire() as conn:
        query = "SELECT count(*) FROM keyring.data_keys WHERE key_id = $1"
        return bool(await conn.fetchval(query, grievance_key_id(grievance_id)))


async def narrative(platform, case_id: str) -> str | None:
    answer = await platform.cases.get(f"/v1/cases/{case_id}", headers=platform.token())
    assert answer.status_code == 200, answer.text
    return (answer.json().get("grievance") or {}).get("narrative")


async def test_admins_set_the_retention_period(platform):
    first = await set_retention(platform, 30)
    assert (await set_retention(platform, 30))["version"] == first["version"]  # no-op
    admin = platform.token(("admin",), sub="admin-1")
    read = await platform.intake.get("/v1/retention", headers=admin)
    assert read.json()["days"] == 30
    for body in ({"days": 0}, {"days": 4000}, {}, {"days": 30, "tenant": "other"}):
        bad = await platform.intake.put("/v1/retention", json=body, headers=admin)
        assert bad.status_code == 422, body
        assert bad.headers["content-type"] == "application/problem+json"
    for who in (platform.token(), platform.member()):
        assert (await platform.intake.put("/v1/retention", json={"days": 1}, headers=who)
                ).status_code == 403  # fmt: skip
    events = await platform.system.store.read_stream(first["stream"])
    assert [e.type for e in events].count("RetentionPeriodSet") == 1


async def test_personal_data_is_erased_after_the_period_unless_a_legal_hold_keeps_it(platform):
    await set_retention(platform, 30)
    free, free_g = await closed_case(platform, "closed")
    held, held_g = await closed_case(platform, "rejected")
    async with platform.system.pool.acquire() as conn:
        await conn.execute(
            """INSERT INTO keyring.sealed_files (file_id, key_id, tenant, content_type, sealed)
               VALUES ('a-1', $1, 'acme', 'image/png', '{}')""",
            grievance_key_id(free_g),
        )
        closed_at = await conn.fetchval(
            "SELECT max(closed_at) FROM intake.grievances WHERE grievance_id IN ($1, $2)",
            free_g, held_g,
        )  # fmt: skip
    await wait_until(lambda: _tenant_days(platform, 30))
    runtime = platform.intake_app.state.runtime
    clock = FixedClock(closed_at + timedelta(days=29, hours=23))
    set_clock(runtime, clock)
    sweep = runtime.extras["housekeeping"].retention

    assert await sweep.tick() == 0  # before the period: nothing is erased
    assert await has_key(platform, free_g) and await has_key(platform, held_g)

    hold = {"grounds": "litigation"}
    placed = await platform.cases.post(f"/v1/cases/{held}/legal-hold", json=hold,
                                       headers=platform.token())  # fmt: skip
    assert placed.status_code == 200, placed.text
    again = await platform.cases.post(f"/v1/cases/{held}/legal-hold", json=hold,
                                      headers=platform.token())  # fmt: skip
    assert again.status_code == 409 and again.json()["type"].endswith("already-held")
    member = await platform.cases.post(f"/v1/cases/{held}/legal-hold", json=hold,
                                       headers=platform.member())  # fmt: skip
    assert member.status_code == 403

    clock.at += timedelta(hours=2)
    # Ticked at once, before intake's projection may have seen the hold: the log decides.
    assert await sweep.tick() == 1
    assert not await has_key(platform, free_g) and await has_key(platform, held_g)
    erased = (await platform.system.store.read_stream(f"grievance-{free_g}"))[-1]
    assert erased.type == "PersonalDataErased" and erased.data.reason == "retention"
    assert (erased.actor.id, erased.actor.role) == ("retention", "system")
    async with platform.system.pool.acquire() as conn:
        assert await conn.fetchval(
            "SELECT count(*) FROM keyring.sealed_files WHERE key_id = $1", grievance_key_id(free_g)
        ) == 0  # fmt: skip
    await wait_until(lambda: _row(platform, free_g, "status = 'erased'"))
    await wait_until(lambda: _erased_in_cases(platform, free))
    assert await narrative(platform, held) is not None

    clock.at += timedelta(days=365)
    await wait_until(lambda: _row(platform, held_g, "held"))
    assert await sweep.tick() == 0  # a hold outlasts any period
    assert await has_key(platform, held_g)

    released = await platform.cases.post(f"/v1/cases/{held}/legal-hold/release",
                                          headers=platform.token())  # fmt: skip
    assert released.status_code == 200, released.text
    await wait_until(lambda: _row(platform, held_g, "NOT held"))
    assert await sweep.tick() == 1  # released: retention applies again
    assert not await has_key(platform, held_g)
    assert await sweep.tick() == 0
    timeline = await platform.cases.get(f"/v1/cases/{held}/timeline", headers=platform.token())
    types = [item["type"] for item in timeline.json()["items"]]
    assert "LegalHoldPlaced" in types and "LegalHoldReleased" in types
    seen = await platform.cases.get(f"/v1/cases/{held}/timeline", headers=platform.member())
    assert seen.status_code == 200 and "LegalHold" not in seen.text  # staff only


async def _tenant_days(platform, days: int) -> bool:
    async with platform.system.pool.acquire() as conn:
        return await conn.fetchval(
            "SELECT retention_days FROM intake.tenants WHERE tenant = 'acme'"
        ) == days  # fmt: skip


async def _erased_in_cases(platform, case_id: str) -> bool:
    return await narrative(platform, case_id) is None


async def test_the_period_is_the_tenants_own_not_what_a_read_model_behind_it_holds(platform):
    await set_retention(platform, 30)
    _, grievance_id = await closed_case(platform, "closed")
    await set_retention(platform, 365)
    await wait_until(lambda: _tenant_days(platform, 365))
    async with platform.system.pool.acquire() as conn:
        # As a rebuild in place holds it halfway: before the period was lengthened.
        await conn.execute("UPDATE intake.tenants SET retention_days = 30 WHERE tenant = 'acme'")
        closed_at = await conn.fetchval(
            "SELECT closed_at FROM intake.grievances WHERE grievance_id = $1", grievance_id
        )
    runtime = platform.intake_app.state.runtime
    clock = FixedClock(closed_at + timedelta(days=31))
    set_clock(runtime, clock)
    sweep = runtime.extras["housekeeping"].retention
    assert await sweep.tick() == 0  # 31 days: past the stale 30, not the tenant's 365
    assert await has_key(platform, grievance_id)
    clock.at = closed_at + timedelta(days=365, hours=1)
    assert await sweep.tick() == 1
    assert not await has_key(platform, grievance_id)
