"""Post-audit callback campaigns: the audit, pure; then the API on real servers."""

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from redress.events.catalogue import load
from redress.events.catalogue.audit import (
    AuditPersonalDataErased,
    AuditRegistered,
    CallbackAttemptMissed,
    CallbackCompleted,
    CallbackScheduled,
)
from redress.events.catalogue.grievance import Channel, ErasureReason, GrievanceSubmitted, Sealed
from redress.events.projection import wait_for_version
from redress.events.timers import FixedClock
from redress.intake.callbacks_api import set_clock
from redress.intake.callbacks_domain import (
    MAX_WORKERS,
    AuditRefused,
    CompleteCallback,
    EraseAuditData,
    Interviewee,
    RegisterAudit,
    decide,
    fold,
)
from redress.intake.campaigns import Campaigns
from redress.intake.projections import Grievances
from tests.events.helpers import wait_until
from tests.intake.conftest import TENANT, register_tenant

# The audit, pure: given events, when a command, then events (or a refusal).

A = "a1"
SEALED = Sealed(key_id="audit-a1", ciphertext="c2VhbGVk")
WORKERS = (
    Interviewee("cb1", "bn", SEALED),
    Interviewee("cb2", "km", SEALED),
)
REGISTER = RegisterAudit(A, "dhaka-1", "BD", date(2025, 3, 10), WORKERS, auditor_org="qima")
REGISTERED = decide(REGISTER, fold([]))


def then(given, command):
    return decide(command, fold(given))


def refused(given, command) -> str:
    with pytest.raises(AuditRefused) as caught:
        decide(command, fold(given))
    return caught.value.kind


def test_register_schedules_a_callback_per_worker_five_days_on():
    registered, *scheduled = REGISTERED
    assert registered == AuditRegistered(
        audit_id=A, site_id="dhaka-1", country="BD", audit_date=date(2025, 3, 10),
        auditor_org="qima", workers=2,
    )  # fmt: skip
    assert scheduled == [
        CallbackScheduled(audit_id=A, callback_id="cb1", due_on=date(2025, 3, 15),
                          language="bn", contact=SEALED),
        CallbackScheduled(audit_id=A, callback_id="cb2", due_on=date(2025, 3, 15),
                          language="km", contact=SEALED),
    ]  # fmt: skip


def test_register_twice_or_without_workers_is_refused():
    assert refused(REGISTERED, REGISTER) == "already-registered"
    assert refused([], RegisterAudit(A, "dhaka-1", "BD", date(2025, 3, 10), ())) == "no-workers"
    many = tuple(Interviewee(f"cb{i}", "bn", SEALED) for i in range(MAX_WORKERS + 1))
    assert refused([], RegisterAudit(A, "s", "BD", date(2025, 3, 10), many)) == "too-many-workers"
    twice = (WORKERS[0], WORKERS[0])
    assert refused([], RegisterAudit(A, "s", "BD", date(2025, 3, 10), twice)) == (
        "duplicate-callback"
    )


def test_complete_a_callback():
    assert then(REGISTERED, CompleteCallback(A, "cb1", True, True, "g1")) == [
        CallbackCompleted(
            audit_id=A, callback_id="cb1", reached=True, retaliation_reported=True,
            grievance_id="g1", attempts=1,
        )
    ]  # fmt: skip
    assert then(REGISTERED, CompleteCallback(A, "cb2", reached=False))[0].reached is False


def test_an_unreached_worker_is_called_again_until_the_tenant_s_last_attempt():
    def call(day: int, reached: bool = False) -> CompleteCallback:
        return CompleteCallback(A, "cb1", reached, today=date(2025, 3, day), attempts_allowed=3,
                                retry_days=2)  # fmt: skip

    first = then(REGISTERED, call(15))
    assert first == [CallbackAttemptMissed(audit_id=A, callback_id="cb1", attempt=1,
                                           next_due_on=date(2025, 3, 17))]  # fmt: skip
    second = then([*REGISTERED, *first], call(17))
    assert second == [CallbackAttemptMissed(audit_id=A, callback_id="cb1", attempt=2,
                                            next_due_on=date(2025, 3, 19))]  # fmt: skip
    audit = fold([*REGISTERED, *first, *second])
    assert audit.callbacks["cb1"].due_on == date(2025, 3, 19)
    assert audit.callbacks["cb1"].attempts == 2 and not audit.callbacks["cb1"].completed
    # The third call is the last the tenant allows: reached or not, the callback is done.
    (last,) = then([*REGISTERED, *first, *second], call(19))
    assert last == CallbackCompleted(audit_id=A, callback_id="cb1", reached=False, attempts=3)
    reached = then([*REGISTERED, *first], call(17, reached=True))
    assert reached == [CallbackCompleted(audit_id=A, callback_id="cb1", reached=True, attempts=2)]
    done = fold([*REGISTERED, *first, *second, last])
    assert refused([*REGISTERED, *first, *second, last], call(20)) == "already-completed"
    assert done.callbacks["cb1"].completed and done.callbacks["cb1"].attempts == 3


def test_complete_twice_is_refused_but_another_callback_is_not():
    done = then(REGISTERED, CompleteCallback(A, "cb1", reached=False))
    assert refused([*REGISTERED, *done], CompleteCallback(A, "cb1", True)) == "already-completed"
    assert then([*REGISTERED, *done], CompleteCallback(A, "cb2", True))


def test_unknown_audit_or_callback_is_refused():
    assert refused([], CompleteCallback(A, "cb1", True)) == "unknown-audit"
    assert refused(REGISTERED, CompleteCallback(A, "cb9", True)) == "unknown-callback"


def test_a_worker_not_reached_reports_nothing():
    assert refused(REGISTERED, CompleteCallback(A, "cb1", False, True)) == "not-reached"
    assert refused(REGISTERED, CompleteCallback(A, "cb1", False, False, "g1")) == "not-reached"


def test_the_state_follows_the_events():
    done = then(REGISTERED, CompleteCallback(A, "cb1", True, False, "g1"))
    audit = fold([*REGISTERED, *done])
    assert audit.registered and audit.site_id == "dhaka-1" and audit.country == "BD"
    assert audit.callbacks["cb1"].completed and audit.callbacks["cb1"].grievance_id == "g1"
    assert not audit.callbacks["cb2"].completed
    assert audit.callbacks["cb2"].due_on == date(2025, 3, 15)


def test_a_completed_callback_of_version_1_counts_one_call():
    v1 = {"audit_id": A, "callback_id": "cb1", "reached": False}
    assert load("CallbackCompleted", 1, v1) == CallbackCompleted(
        audit_id=A, callback_id="cb1", reached=False, attempts=1
    )


# The API on real servers.

AUDITOR = ("auditor",)
OPERATOR = ("operator",)
OFFICER = ("officer",)


def on(day: int) -> datetime:
    return datetime(2025, 3, day, 9, 30, tzinfo=UTC)


@pytest.fixture
def clock(intake) -> FixedClock:
    fixed = FixedClock(on(10))
    set_clock(intake.app, fixed)
    return fixed


def workers(n: int, first: int = 0, language: str = "bn") -> list[dict]:
    return [
        {"phone": f"+880 1711-{first + i:06d}", "language": language, "good_time": "after 18:00"}
        for i in range(n)
    ]


def audit(site_id: str = "dhaka-1", audit_date: str = "2025-03-10", **extra) -> dict:
    return {"site_id": site_id, "audit_date": audit_date, "workers": workers(3), **extra}


async def register(intake, body: dict, roles=AUDITOR) -> dict:
    answer = await intake.client.post("/v1/audits", json=body, headers=intake.token(roles))
    assert answer.status_code == 201, answer.text
    done = answer.json()
    assert await wait_for_version(
        intake.system.pool, Campaigns(), done["stream"], done["version"], timeout=30
    )
    return done


async def due(intake, roles=OPERATOR, tenant=TENANT, **params) -> dict:
    answer = await intake.client.get(
        "/v1/callbacks/due", params=params, headers=intake.token(roles, tenant=tenant)
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def outcome(intake, callback_id: str, body: dict, roles=OPERATOR, tenant=TENANT):
    return await intake.client.post(
        f"/v1/callbacks/{callback_id}/outcome",
        json=body,
        headers=intake.token(roles, tenant=tenant),
    )


async def test_an_auditor_registers_an_audit(intake, clock):
    done = await register(intake, audit())
    assert done["callbacks"] == 3 and done["version"] == 4 and done["due_on"] == "2025-03-15"
    assert done["stream"] == f"audit-{done['audit_id']}"
    events = await intake.system.store.read_stream(done["stream"])
    assert [e.type for e in events] == ["AuditRegistered", *["CallbackScheduled"] * 3]
    assert events[0].data.country == "BD" and events[0].data.auditor_org == "acme-apparel"
    assert {e.data.contact.key_id for e in events[1:]} == {f"audit-{done['audit_id']}"}
    # An officer may register one too.
    assert (await register(intake, audit(), roles=OFFICER))["callbacks"] == 3


async def test_bad_audits_are_refused_and_record_nothing(intake, clock):
    before = await intake.events()
    cases = [
        (audit(site_id="nowhere"), "unknown-site"),
        (audit(workers=[]), "validation"),
        (audit(workers=workers(501)), "validation"),
        (audit(workers=[{"phone": "call me", "language": "bn"}]), "validation"),
        (audit(workers=[{"phone": "+8801711000000", "language": "Bengali!"}]), "validation"),
        (audit(audit_date="2025-03-11"), "validation"),  # after today
        (audit(tenant="other"), "validation"),  # the tenant comes from the token
    ]
    for body, kind in cases:
        answer = await intake.client.post("/v1/audits", json=body, headers=intake.token(AUDITOR))
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == f"urn:redress:problem:{kind}"
    assert await intake.events() == before


async def test_a_retried_registration_registers_once(intake, clock):
    headers = {**intake.token(AUDITOR), "Idempotency-Key": "audit-7"}
    answers = await asyncio.gather(
        *(intake.client.post("/v1/audits", json=audit(), headers=headers) for _ in range(5))
    )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["audit_id"] for a in answers}) == 1
    assert await intake.events() == 5 + 4  # the tenant's five, then one audit of three
    other = audit(workers=workers(2))
    reused = await intake.client.post("/v1/audits", json=other, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["type"] == "urn:redress:problem:idempotency-key-reused"


async def test_the_queue_follows_the_clock(intake, clock):
    done = await register(intake, audit(workers=workers(3, first=41)))
    clock.at = on(14)
    assert (await due(intake))["callbacks"] == []
    clock.at = on(15)
    queue = await due(intake)
    assert [c["phone"] for c in queue["callbacks"]] == [
        "+8801711000041",
        "+8801711000042",
        "+8801711000043",
    ]
    first = queue["callbacks"][0]
    assert first["audit_id"] == done["audit_id"] and first["due_on"] == "2025-03-15"
    assert first["site_id"] == "dhaka-1" and first["site_name"] == "Dhaka Knit"
    assert first["language"] == "bn" and first["good_time"] == "after 18:00"
    assert queue["next"] is None
    clock.at = on(30)
    assert len((await due(intake, roles=OFFICER))["callbacks"]) == 3


async def test_the_queue_is_oldest_first_in_pages(intake, clock):
    clock.at = on(20)
    later = await register(intake, audit(audit_date="2025-03-12", workers=workers(3, first=10)))
    older = await register(intake, audit(audit_date="2025-03-09", workers=workers(2, first=20)))
    await register(intake, audit(site_id="pp-2", workers=workers(2, first=30, language="km")))
    pages, cursor = [], None
    while True:
        page = await due(intake, limit=3, **({"cursor": cursor} if cursor else {}))
        pages.append(page["callbacks"])
        cursor = page["next"]
        if cursor is None:
            break
    assert [len(p) for p in pages] == [3, 3, 1]
    seen = [c for p in pages for c in p]
    assert [c["due_on"] for c in seen] == sorted(c["due_on"] for c in seen)
    assert [c["audit_id"] for c in seen[:2]] == [older["audit_id"]] * 2
    assert [c["audit_id"] for c in seen[-3:]] == [later["audit_id"]] * 3
    assert len({c["callback_id"] for c in seen}) == 7
    khmer = await due(intake, language="km")
    assert [c["site_id"] for c in khmer["callbacks"]] == ["pp-2", "pp-2"]
    bad = await intake.client.get(
        "/v1/callbacks/due", params={"cursor": "nonsense"}, headers=intake.token(OPERATOR)
    )
    assert bad.status_code == 422


async def test_an_outcome_with_a_grievance_files_it_in_the_same_transaction(intake, clock):
    await register(intake, audit())
    clock.at = on(15)
    callback = (await due(intake))["callbacks"][0]
    grievance = {
        "category": "retaliation",
        "narrative": "The supervisor cut my overtime after I talked to the auditors.",
        "consent": {"contact_me": True},
    }
    answer = await outcome(
        intake,
        callback["callback_id"],
        {"reached": True, "retaliation_reported": True, "grievance": grievance},
    )
    assert answer.status_code == 200, answer.text
    done = answer.json()
    receipt = done["grievance"]
    assert receipt["reference"].startswith("R-") and len(receipt["secret"].replace(" ", "")) >= 16
    completed = (await intake.system.store.read_stream(done["stream"]))[-1]
    assert completed.data == CallbackCompleted(
        audit_id=callback["audit_id"], callback_id=callback["callback_id"], reached=True,
        retaliation_reported=True, grievance_id=receipt["grievance_id"], attempts=1,
    )  # fmt: skip
    submitted = (await intake.system.store.read_stream(receipt["stream"]))[0]
    assert isinstance(submitted.data, GrievanceSubmitted)
    assert submitted.data.channel is Channel.callback
    assert submitted.data.audit_id == callback["audit_id"]
    assert submitted.data.site_id == "dhaka-1" and submitted.data.country == "BD"
    assert submitted.data.language == "bn"  # the callback's language
    assert submitted.tx_id == completed.tx_id
    assert submitted.correlationid == completed.correlationid is not None
    # The worker can follow it like any other grievance.
    assert await wait_for_version(
        intake.system.pool, Grievances(), receipt["stream"], receipt["version"], timeout=30
    )
    async with intake.system.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT channel, reference FROM intake.grievances WHERE grievance_id = $1",
            receipt["grievance_id"],
        )
    assert dict(row) == {"channel": "callback", "reference": receipt["reference"]}
    # Done callbacks leave the queue.
    queue = await due(intake, stream=done["stream"], min_version=done["version"])
    assert callback["callback_id"] not in {c["callback_id"] for c in queue["callbacks"]}
    assert len(queue["callbacks"]) == 2


async def test_completing_twice_is_a_conflict_and_records_nothing(intake, clock):
    await register(intake, audit())
    clock.at = on(15)
    callback_id = (await due(intake))["callbacks"][0]["callback_id"]
    assert (await outcome(intake, callback_id, {"reached": True})).status_code == 200
    before = await intake.events()
    again = await outcome(
        intake,
        callback_id,
        {"reached": True, "grievance": {"category": "other", "narrative": "A second try."}},
    )
    assert again.status_code == 409
    assert again.json()["type"] == "urn:redress:problem:already-completed"
    assert await intake.events() == before


async def test_concurrent_outcomes_of_one_audit_all_land_and_one_callback_once(intake, clock):
    await register(intake, audit(workers=workers(6)))
    clock.at = on(15)
    ids = [c["callback_id"] for c in (await due(intake))["callbacks"]]
    answers = await asyncio.gather(*(outcome(intake, i, {"reached": True}) for i in ids))
    assert [a.status_code for a in answers] == [200] * 6
    await register(intake, audit(workers=workers(1, first=99)))
    last = (await due(intake))["callbacks"][0]["callback_id"]
    both = await asyncio.gather(*(outcome(intake, last, {"reached": True}) for _ in range(2)))
    assert sorted(a.status_code for a in both) == [200, 409]


async def test_an_outcome_that_does_not_add_up_is_refused(intake, clock):
    await register(intake, audit())
    clock.at = on(15)
    callback_id = (await due(intake))["callbacks"][0]["callback_id"]
    before = await intake.events()
    for body in (
        {"reached": False, "retaliation_reported": True},
        {"reached": False, "grievance": {"category": "other", "narrative": "x"}},
        {"reached": True, "grievance": {"category": "nonsense", "narrative": "x"}},
        {"reached": True, "grievance": {"category": "other", "narrative": "x", "country": "KH"}},
        {"reached": "perhaps"},
        {"reached": 0},  # a boolean is true or false, as the schema says
        {"reached": True, "retaliation_reported": 0},
    ):
        answer = await outcome(intake, callback_id, body)
        assert answer.status_code == 422, (body, answer.text)
    assert await intake.events() == before


async def test_roles_and_tenants(intake, clock):
    await register_tenant(intake.system, "other")
    done = await register(intake, audit())
    clock.at = on(15)
    callback_id = (await due(intake))["callbacks"][0]["callback_id"]
    forbidden = [
        ("POST", "/v1/audits", audit(), ("operator",)),
        ("POST", "/v1/audits", audit(), ("member",)),
        ("GET", "/v1/callbacks/due", None, ("auditor",)),
        ("GET", "/v1/callbacks/due", None, ("member",)),
        ("POST", f"/v1/callbacks/{callback_id}/outcome", {"reached": True}, ("auditor",)),
        ("POST", f"/v1/callbacks/{callback_id}/outcome", {"reached": True}, ("admin",)),
        ("GET", "/v1/campaigns/figures", None, ("operator",)),
        ("GET", "/v1/campaigns/figures", None, ("member",)),
    ]
    for method, path, body, roles in forbidden:
        answer = await intake.client.request(method, path, json=body, headers=intake.token(roles))
        assert answer.status_code == 403, (method, path, roles)
    assert (await intake.client.get("/v1/callbacks/due")).status_code == 401
    # Another tenant sees nothing of acme's callbacks, and cannot complete them.
    assert (await due(intake, tenant="other"))["callbacks"] == []
    foreign = await outcome(intake, callback_id, {"reached": True}, tenant="other")
    assert foreign.status_code == 404
    assert (await outcome(intake, "no-such-callback", {"reached": True})).status_code == 404
    figures = await intake.client.get(
        "/v1/campaigns/figures", headers=intake.token(OFFICER, tenant="other")
    )
    assert figures.status_code == 200 and figures.json()["total"]["scheduled"] == 0
    assert await intake.system.store.stream_version(done["stream"]) == 4


async def test_no_phone_number_is_stored_in_plain_text(intake, clock):
    worker = {"phone": "+855 (12) 987-654", "language": "km", "good_time": "only on Sundays"}
    body = audit(workers=[worker], site_id="pp-2")
    await register(intake, body)
    clock.at = on(15)
    (queued,) = (await due(intake))["callbacks"]
    assert queued["good_time"] == "only on Sundays"  # read from the sealed contact
    callback_id = queued["callback_id"]
    grievance = {"category": "other", "narrative": "Keep calling me.",
                 "contact": {"phone_or_email": "+85512987654"}}  # fmt: skip
    answer = await outcome(intake, callback_id, {"reached": True, "grievance": grievance})
    done = answer.json()
    assert await wait_for_version(
        intake.system.pool, Campaigns(), done["stream"], done["version"], timeout=30
    )
    async with intake.system.pool.acquire() as conn:
        tables = await conn.fetch(
            """SELECT table_schema, table_name FROM information_schema.tables
               WHERE table_schema IN ('intake', 'eventlog', 'keyring')
                 AND table_type = 'BASE TABLE'"""
        )
        assert {"callbacks", "audits", "events"} <= {t["table_name"] for t in tables}
        dump = ""
        for t in tables:
            dump += await conn.fetchval(
                f'SELECT coalesce(string_agg(t::text, chr(10)), \'\') FROM "{t[0]}"."{t[1]}" t'
            )
    assert callback_id in dump and done["grievance"]["reference"] in dump  # all was read
    assert "Keep calling me" not in dump
    assert "12987654" not in dump and "987-654" not in dump
    assert "only on Sundays" not in dump


async def test_campaign_figures_add_up(intake, clock):
    # One call each: a worker not reached is not called again here (see the test below).
    once = {"callback_attempts": 1}
    follow_up = await intake.client.put("/v1/tenant/follow-up", json=once,
                                        headers=intake.token(("admin",)))  # fmt: skip
    assert follow_up.status_code == 200, follow_up.text
    sites = await intake.client.put(
        "/v1/sites/dhaka-2",
        json={"site_id": "dhaka-2", "name": "Dhaka Denim", "country": "BD"},
        headers=intake.token(("admin",)),
    )
    assert sites.status_code == 200, sites.text
    assert await wait_for_version(
        intake.system.pool, Grievances(), sites.json()["stream"], sites.json()["version"]
    )
    # Outcomes per site, in queue order: (reached, retaliation, grievance); None: not yet made.
    plan = {
        ("dhaka-1", "2025-03-08"): [(True, True, True), (True, True, False), (True, False, False),
                                    (True, False, False), (True, False, False),
                                    (False, False, False), None, None],
        ("dhaka-2", "2025-03-10"): [(True, False, True), (True, False, True), (True, False, False),
                                    (False, False, False), (False, False, False)],
        ("pp-2", "2025-03-10"): [(True, True, True), (True, False, False), (True, False, False),
                                 (True, False, False), None, None, None],
    }  # fmt: skip
    audits = {}
    for n, (site_id, day) in enumerate(plan):
        body = audit(site_id, day, workers=workers(len(plan[site_id, day]), first=100 * n))
        audits[site_id] = await register(intake, body)
    assert sum(a["callbacks"] for a in audits.values()) == 20
    versions = {a["stream"]: a["version"] for a in audits.values()}

    clock.at = on(14)  # only the audit of the 8th has fallen due
    figures = await intake.client.get("/v1/campaigns/figures", headers=intake.token(AUDITOR))
    assert figures.json()["total"]["due"] == 8 and figures.json()["total"]["scheduled"] == 20

    clock.at = on(15)
    for (site_id, _), outcomes in plan.items():
        queue = await due(intake, site_id=site_id)
        for callback, planned in zip(queue["callbacks"], outcomes, strict=True):
            if planned is None:
                continue
            reached, retaliation, raised = planned
            body = {"reached": reached, "retaliation_reported": retaliation}
            if raised:
                body["grievance"] = {"category": "retaliation", "narrative": "Raised on a call."}
            answer = await outcome(intake, callback["callback_id"], body)
            assert answer.status_code == 200, answer.text
            versions[answer.json()["stream"]] = answer.json()["version"]
    for stream, version in versions.items():
        assert await wait_for_version(intake.system.pool, Campaigns(), stream, version, timeout=30)

    answer = await intake.client.get("/v1/campaigns/figures", headers=intake.token(OFFICER))
    assert answer.status_code == 200, answer.text
    figures = answer.json()
    keys = ("audits", "scheduled", "due", "outstanding", "completed", "reached",
            "retaliation_reports", "grievances_raised", "unreached")  # fmt: skip

    def counts(row: dict) -> tuple:
        return tuple(row[k] for k in keys)

    assert figures["today"] == "2025-03-15"
    assert {s["site_id"]: counts(s) for s in figures["sites"]} == {
        "dhaka-1": (1, 8, 8, 2, 6, 5, 2, 1, 1),
        "dhaka-2": (1, 5, 5, 0, 5, 3, 0, 2, 2),
        "pp-2": (1, 7, 7, 3, 4, 4, 1, 1, 0),
    }
    assert {s["site_id"]: (s["name"], s["country"]) for s in figures["sites"]} == {
        "dhaka-1": ("Dhaka Knit", "BD"),
        "dhaka-2": ("Dhaka Denim", "BD"),
        "pp-2": ("Phnom Penh Sewing", "KH"),
    }
    assert {c["country"]: counts(c) for c in figures["countries"]} == {
        "BD": (2, 13, 13, 2, 11, 8, 2, 3, 3),
        "KH": (1, 7, 7, 3, 4, 4, 1, 1, 0),
    }
    assert counts(figures["total"]) == (3, 20, 20, 5, 15, 12, 3, 4, 3)
    # Every grievance counted was filed as one, from its audit, through the callback channel.
    async with intake.system.pool.acquire() as conn:
        filed = await conn.fetchval(
            """SELECT count(*) FROM eventlog.events WHERE type = 'GrievanceSubmitted'
               AND data ->> 'channel' = 'callback' AND data ->> 'audit_id' = ANY($1::text[])""",
            [a["audit_id"] for a in audits.values()],
        )
    assert filed == 4
    # Filters: one country; audits of a period.
    khmer = await intake.client.get(
        "/v1/campaigns/figures", params={"country": "KH"}, headers=intake.token(AUDITOR)
    )
    assert [s["site_id"] for s in khmer.json()["sites"]] == ["pp-2"]
    assert counts(khmer.json()["total"]) == (1, 7, 7, 3, 4, 4, 1, 1, 0)
    period = await intake.client.get(
        "/v1/campaigns/figures",
        params={"audited_from": "2025-03-09", "audited_to": "2025-03-31"},
        headers=intake.token(AUDITOR),
    )
    assert counts(period.json()["total"]) == (2, 12, 12, 3, 9, 7, 1, 3, 2)


async def test_an_unreached_worker_is_called_again_and_the_figures_tell_reached_from_not(
    intake, clock
):
    admin = intake.token(("admin",))
    numbers = {"callback_attempts": 3, "callback_retry_days": 2, "check_in_days": 30}
    follow_up = await intake.client.put("/v1/tenant/follow-up", json=numbers, headers=admin)
    assert follow_up.status_code == 200 and follow_up.json()["callback_attempts"] == 3
    await register(intake, audit(workers=workers(2)))
    clock.at = on(15)
    first, second = (await due(intake))["callbacks"]
    assert (first["attempt"], first["good_time"]) == (1, "after 18:00")
    missed = await outcome(intake, first["callback_id"], {"reached": False})
    assert missed.status_code == 200, missed.text
    assert missed.json()["grievance"] is None
    (event,) = (await intake.system.store.read_stream(missed.json()["stream"]))[-1:]
    assert event.data == CallbackAttemptMissed(audit_id=first["audit_id"],
                                               callback_id=first["callback_id"], attempt=1,
                                               next_due_on=date(2025, 3, 17))  # fmt: skip
    queue = await due(intake, stream=missed.json()["stream"], min_version=missed.json()["version"])
    assert [c["callback_id"] for c in queue["callbacks"]] == [second["callback_id"]]
    clock.at = on(17)  # two days on, the worker is due again, at the same good time
    again = {c["callback_id"]: c for c in (await due(intake))["callbacks"]}
    assert again[first["callback_id"]]["attempt"] == 2
    assert again[first["callback_id"]]["good_time"] == "after 18:00"
    assert again[first["callback_id"]]["due_on"] == "2025-03-17"
    # The first worker answers the second call; the second never answers three.
    assert (await outcome(intake, first["callback_id"], {"reached": True})).status_code == 200
    for day in (17, 19, 21):
        clock.at = on(day)
        last = await outcome(intake, second["callback_id"], {"reached": False})
        assert last.status_code == 200, last.text
    done = (await intake.system.store.read_stream(last.json()["stream"]))[-1]
    assert done.data == CallbackCompleted(audit_id=second["audit_id"],
                                          callback_id=second["callback_id"], reached=False,
                                          attempts=3)  # fmt: skip
    after = await outcome(intake, second["callback_id"], {"reached": False})
    assert after.status_code == 409
    await wait_for_version(intake.system.pool, Campaigns(), done.stream, done.version, timeout=30)
    assert (await due(intake))["callbacks"] == []
    figures = await intake.client.get("/v1/campaigns/figures", headers=intake.token(AUDITOR))
    total = figures.json()["total"]
    assert (total["completed"], total["reached"], total["unreached"]) == (2, 1, 1)
    assert (total["calls"], total["retrying"], total["outstanding"]) == (5, 0, 0)


async def test_follow_up_numbers_out_of_bounds_are_refused_and_record_nothing(intake):
    admin = intake.token(("admin",))
    before = await intake.events()
    wrong = ({"callback_attempts": 0}, {"callback_attempts": 11}, {"callback_retry_days": 0},
             {"check_in_days": 366}, {"callback_attempts": True}, {"callback_attempts": "3"},
             {"calls": 3})  # fmt: skip
    for body in wrong:
        answer = await intake.client.put("/v1/tenant/follow-up", json=body, headers=admin)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
    assert await intake.events() == before
    read = await intake.client.get("/v1/tenant/follow-up", headers=admin)
    assert read.json()["callback_attempts"] == 3 and read.json()["check_in_days"] == 30


def test_an_audit_s_numbers_are_erased_only_once_every_callback_has_ended():
    done = [CallbackCompleted(audit_id=A, callback_id=c, reached=True, attempts=1)
            for c in ("cb1", "cb2")]  # fmt: skip
    erase = EraseAuditData(A, ErasureReason.retention)
    assert refused(REGISTERED + done[:1], erase) == "callbacks-open"
    assert then(REGISTERED + done, erase) == [
        AuditPersonalDataErased(audit_id=A, key_id="audit-a1", reason=ErasureReason.retention)
    ]
    assert refused(REGISTERED + done + then(REGISTERED + done, erase), erase) == "erased"
    assert refused([], erase) == "unknown-audit"


async def test_the_retention_sweep_erases_an_audit_s_numbers_once_its_callbacks_are_over(
    intake, clock
):
    runtime = intake.app.state.runtime
    admin = intake.token(("admin",))
    assert (await intake.client.put("/v1/retention", json={"days": 30},
                                    headers=admin)).status_code == 200  # fmt: skip
    ended = await register(intake, audit(workers=workers(2)))
    still_open = await register(intake, audit(workers=workers(2, first=50)))
    clock.at = on(15)
    calls = {c["callback_id"]: c for c in (await due(intake))["callbacks"]}
    ids = {s["stream"]: [c for c, v in calls.items() if v["audit_id"] == s["audit_id"]]
           for s in (ended, still_open)}  # fmt: skip
    for callback_id in [*ids[ended["stream"]], ids[still_open["stream"]][0]]:
        assert (await outcome(intake, callback_id, {"reached": True})).status_code == 200
    last = (await intake.system.store.read_stream(ended["stream"]))[-1]
    assert await wait_for_version(
        intake.system.pool, Campaigns(), ended["stream"], last.version, timeout=30
    )
    # The open audit's outcome too: the list of callbacks due read at the end is of it.
    opened = (await intake.system.store.read_stream(still_open["stream"]))[-1]
    assert await wait_for_version(
        intake.system.pool, Campaigns(), still_open["stream"], opened.version, timeout=30
    )

    async def period_known() -> bool:
        async with intake.system.pool.acquire() as conn:
            return await conn.fetchval("SELECT retention_days = 30 FROM intake.tenants") is True

    await wait_until(period_known)

    async def keys() -> set[str]:
        async with intake.system.pool.acquire() as conn:
            return {r["key_id"] for r in await conn.fetch(
                "SELECT key_id FROM keyring.data_keys WHERE key_id LIKE 'audit-%'"
            )}  # fmt: skip

    sweep = runtime.extras["housekeeping"].retention
    both = {f"audit-{ended['audit_id']}", f"audit-{still_open['audit_id']}"}
    sweep.clock = FixedClock(last.time + timedelta(days=29, hours=23))
    await sweep.tick()
    assert await keys() == both  # the period has not run out
    sweep.clock = FixedClock(last.time + timedelta(days=30, minutes=1))
    await sweep.tick()
    assert await keys() == {f"audit-{still_open['audit_id']}"}  # a callback there still waits
    events = await intake.system.store.read_stream(ended["stream"])
    assert events[-1].type == "AuditPersonalDataErased"
    assert events[-1].data.reason is ErasureReason.retention
    await sweep.tick()  # once only
    assert len(await intake.system.store.read_stream(ended["stream"])) == len(events)
    # The open audit's worker is still called, with their number.
    waiting = [c for c in (await due(intake))["callbacks"]
               if c["audit_id"] == still_open["audit_id"]]  # fmt: skip
    assert len(waiting) == 1 and waiting[0]["phone"]
