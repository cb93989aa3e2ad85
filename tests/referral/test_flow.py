"""A referral on real servers: opened by the policy, consent by phone and on the status page,
reads recorded, revocation, a declined consent, the emergency path, overdue acknowledgement."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from redress.events.catalogue.grievance_answers import ConsentAnswer, ReferralConsentAnswered
from redress.events.catalogue.referral import ConsentChannel, ConsentGiver, ConsentRevoked
from redress.events.envelope import Actor, Metadata
from redress.events.timers import FixedClock
from redress.referral import queries
from redress.referral.disclosure import disclosure_stream
from redress.referral.overdue import overdue_scheduler
from tests.events.helpers import wait_until
from tests.intake.test_rotation import erase_by_worker
from tests.referral.conftest import GRIEVANCE, WorkerPages

# Far ahead of the system clock, so that the app's own scheduler never finds the referral due.
NOW = datetime(2100, 3, 2, 4, 0, tzinfo=UTC)
PHONE = {
    "answer": "given",
    "fields": ["contact"],
    "channel": "phone",
    "given_at": "2026-03-02T09:15:00+06:00",
}
SHELTER_CHOICE = {
    "partner_id": "safe-home",
    "fields": ["narrative", "contact"],
    "services": ["shelter"],
}


async def chosen(platform, referral_id: str, choice=SHELTER_CHOICE, danger=False) -> None:
    base = f"/v1/referrals/{referral_id}"
    await platform.post(
        f"{base}/safety", {"imminent_danger": danger, "must_not_learn": ["employer", "recruiter"]}
    )
    await platform.post(f"{base}/partners", choice)


async def sent_to_shelter(platform) -> str:
    await platform.register_partners()
    referral_id = await platform.file_and_escalate()
    await chosen(platform, referral_id)
    on_phone = platform.token(sub="officer-on-the-phone")
    await platform.post(f"/v1/referrals/{referral_id}/partners/safe-home/consent", PHONE, on_phone)
    await platform.caught_up(referral_id)
    return referral_id


async def disclosures(platform, referral_id: str) -> list:
    return await platform.system.store.read_stream(disclosure_stream(referral_id))


async def test_a_recommended_referral_opens_with_the_national_mechanism_suggested_first(platform):
    await platform.register_partners()
    referral_id = await platform.file_and_escalate()
    (opened,) = await platform.system.store.read_stream(referral_id)
    assert opened.type == "ReferralOpened"
    assert opened.data.suggested == ("nrm-bd", "safe-home")
    assert opened.data.worker_indication and opened.data.language == "bn"
    detail = (
        await platform.referral.get(f"/v1/referrals/{referral_id}", headers=platform.token())
    ).json()
    assert [p["partner_id"] for p in detail["ranking"]] == ["nrm-bd", "safe-home"]
    assert detail["ranking"][1]["why"] == [
        "serves_country",
        "handles:document_retention",
        "speaks_language",
    ]
    assert detail["partners"] == [] and detail["reasons"] == ["document_retention"]
    # Chosen before the safety check: refused, and nothing written.
    refused = await platform.referral.post(
        f"/v1/referrals/{referral_id}/partners", json=SHELTER_CHOICE, headers=platform.token()
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "urn:redress:problem:safety-check-first"
    assert await platform.log_types(referral_id) == ["ReferralOpened"]


async def test_consent_by_phone_sends_the_referral_and_the_partner_reads_only_what_was_consented(
    platform,
):
    await platform.register_partners()
    referral_id = await platform.file_and_escalate()
    await chosen(platform, referral_id)
    platform.referral_app.state.runtime.extras["referral"].clock = FixedClock(NOW)
    partner = platform.partner()
    # Before consent the partner knows nothing of it.
    assert (
        await platform.referral.get(f"/v1/partner/referrals/{referral_id}", headers=partner)
    ).status_code == 404
    on_phone = platform.token(sub="officer-on-the-phone")
    consent = f"/v1/referrals/{referral_id}/partners/safe-home/consent"
    before = await platform.log_types(referral_id)
    future = await platform.referral.post(
        consent, json={**PHONE, "given_at": "2099-01-01T00:00:00Z"}, headers=on_phone
    )
    assert future.status_code == 422 and "future" in future.text, future.text
    assert await platform.log_types(referral_id) == before
    await platform.post(consent, PHONE, on_phone)
    events = await platform.system.store.read_stream(referral_id)
    given, sent = events[-2:]
    assert (given.type, given.actor.id, given.actor.role) == (
        "ConsentGiven",
        "officer-on-the-phone",
        "officer",
    )
    assert given.data.given_at == datetime(2026, 3, 2, 3, 15, tzinfo=UTC)
    assert (sent.type, sent.data.basis, sent.data.fields) == (
        "ReferralSent",
        "consent",
        ("contact",),
    )
    assert sent.data.acknowledge_by == NOW + timedelta(hours=72)
    await platform.caught_up(referral_id)

    listed = (await platform.referral.get("/v1/partner/referrals", headers=partner)).json()
    assert [i["referral_id"] for i in listed["items"]] == [referral_id]
    view = (
        await platform.referral.get(f"/v1/partner/referrals/{referral_id}", headers=partner)
    ).json()
    assert view["personal_fields"] == ["contact"] and view["indicators"] == ["document_retention"]
    assert view["safety"]["must_not_learn"] == ["employer", "recruiter"]
    assert GRIEVANCE["narrative"] not in json.dumps(view)
    personal = await platform.referral.get(
        f"/v1/partner/referrals/{referral_id}/personal", headers=partner
    )
    assert personal.status_code == 200, personal.text
    assert personal.json()["fields"] == {
        "contact": GRIEVANCE["contact"] | {"language": None, "time": None}
    }
    (read,) = await disclosures(platform, referral_id)
    assert (read.type, read.data.fields, read.data.partner_id) == (
        "PersonalDataDisclosed",
        ("contact",),
        "safe-home",
    )
    assert (read.actor.id, read.actor.role) == ("safe-home-api", "partner")
    await wait_until(lambda: _disclosed_listed(platform, referral_id))


async def _disclosed_listed(platform, referral_id: str) -> bool:
    answer = await platform.referral.get(
        f"/v1/referrals/{referral_id}/disclosures", headers=platform.token()
    )
    return [i["fields"] for i in answer.json()["items"]] == [["contact"]]


async def test_the_partner_answers_once_per_idempotency_key_and_in_order(platform):
    referral_id = await sent_to_shelter(platform)
    partner = platform.partner() | {"Idempotency-Key": "ack-1"}
    first = await platform.post(f"/v1/partner/referrals/{referral_id}/acknowledge", None, partner)
    again = await platform.post(f"/v1/partner/referrals/{referral_id}/acknowledge", None, partner)
    assert first == again
    base, partner = f"/v1/partner/referrals/{referral_id}", platform.partner()
    await platform.post(f"{base}/accept", None, partner)
    await platform.post(f"{base}/services", {"services": ["shelter"]}, partner)
    await platform.post(f"{base}/close", {"outcome": "services_completed"}, partner)
    types = await platform.log_types(referral_id)
    assert types[-4:] == [
        "ReferralAcknowledged",
        "ReferralAccepted",
        "ServicesProvided",
        "ReferralClosed",
    ]
    assert types.count("ReferralAcknowledged") == 1
    # Closed, the referral is no longer the partner's to read the worker's data for.
    read = await platform.referral.get(f"{base}/personal", headers=partner)
    assert read.status_code == 410, read.text
    assert read.json()["type"] == "urn:redress:problem:referral-ended"
    assert read.json()["title"] == "Gone"  # HTTP's word where the kit has none of its own
    assert (await platform.referral.get(base, headers=partner)).json()["personal_fields"] == []
    assert "PersonalDataDisclosed" not in await platform.log_types(disclosure_stream(referral_id))
    bad = await platform.referral.post(f"{base}/decline", json={"reason": "bored"}, headers=partner)
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    late = await platform.referral.post(f"{base}/accept", headers=partner)
    assert late.status_code == 409 and late.json()["type"] == "urn:redress:problem:wrong-state"


async def test_the_worker_revokes_on_the_status_page_and_the_partners_next_read_is_refused(
    platform,
):
    referral_id = await sent_to_shelter(platform)
    opened = (await platform.system.store.read_stream(referral_id))[0].data
    # What intake records when the worker withdraws consent with their receipt.
    answered = ReferralConsentAnswered(
        grievance_id=opened.grievance_id,
        referral_id=referral_id,
        partner_id="safe-home",
        answer=ConsentAnswer.revoked,
    )
    stream = f"grievance-{opened.grievance_id}"
    store = platform.system.store
    worker = Metadata(tenant="acme", actor=Actor(id="worker", role="worker"))
    await store.append(stream, [answered], await store.stream_version(stream), worker)
    await wait_until(lambda: _last_is(platform, referral_id, "ConsentRevoked"))
    revoked = (await store.read_stream(referral_id))[-1]
    assert revoked.data.channel == "status_page" and revoked.actor.role == "system"
    read = await platform.referral.get(
        f"/v1/partner/referrals/{referral_id}/personal", headers=platform.partner()
    )
    assert read.status_code == 410, read.text
    assert read.json()["type"] == "urn:redress:problem:consent-revoked"
    assert await disclosures(platform, referral_id) == []
    # The same answer delivered again (a replay) records nothing more.
    await platform.caught_up(referral_id)
    assert (await platform.log_types(referral_id)).count("ConsentRevoked") == 1


async def test_a_revocation_committed_while_the_partner_reads_refuses_the_read(
    platform, monkeypatch
):
    referral_id = await sent_to_shelter(platform)
    store = platform.system.store
    system = Metadata(tenant="acme", actor=Actor(id="system", role="system"))
    revoked = ConsentRevoked(
        partner_id="safe-home",
        given_by=ConsentGiver.worker,
        channel=ConsentChannel.status_page,
        given_at=datetime.now(UTC),
    )
    opening = queries.sealed_personal

    async def revoked_meanwhile(conn, grievance_id):
        # The worker's revocation commits after the partner's read checked the referral
        # and before it records the disclosure.
        if (await platform.log_types(referral_id))[-1] != "ConsentRevoked":
            await store.append(referral_id, [revoked], await store.stream_version(referral_id),
                               system)  # fmt: skip
        return await opening(conn, grievance_id)

    monkeypatch.setattr(queries, "sealed_personal", revoked_meanwhile)
    read = await platform.referral.get(
        f"/v1/partner/referrals/{referral_id}/personal", headers=platform.partner()
    )
    assert read.status_code == 410, read.text
    assert read.json()["type"] == "urn:redress:problem:consent-revoked"
    assert await disclosures(platform, referral_id) == []


async def _last_is(platform, stream: str, kind: str) -> bool:
    return (await platform.log_types(stream))[-1] == kind


async def test_a_declined_consent_tells_the_partner_nothing_and_discloses_nothing(platform):
    await platform.register_partners()
    referral_id = await platform.file_and_escalate()
    await chosen(
        platform,
        referral_id,
        {"partner_id": "nrm-bd", "services": ["protection"], "fields": ["narrative"]},
    )
    no = PHONE | {"answer": "declined", "fields": []}
    await platform.post(f"/v1/referrals/{referral_id}/partners/nrm-bd/consent", no)
    await platform.caught_up(referral_id)
    nrm = platform.partner("nrm-bd")
    assert (await platform.referral.get("/v1/partner/referrals", headers=nrm)).json()["items"] == []
    for path in ("", "/personal"):
        answer = await platform.referral.get(
            f"/v1/partner/referrals/{referral_id}{path}", headers=nrm
        )
        assert answer.status_code == 404, answer.text
    assert "ReferralSent" not in await platform.log_types(referral_id)
    assert await disclosures(platform, referral_id) == []


async def test_an_emergency_referral_needs_two_different_officers_and_logs_the_grounds(platform):
    await platform.register_partners()
    referral_id = await platform.file_and_escalate()
    await chosen(platform, referral_id, danger=True)
    base = f"/v1/referrals/{referral_id}/partners/safe-home/emergency"
    first, second = platform.token(sub="officer-1"), platform.token(sub="officer-2")
    grounds = {"grounds": "threat_to_life", "explanation": "The agent said he would move her."}
    # One officer alone: approving what nobody proposed, then approving their own proposal.
    unproposed = await platform.referral.post(f"{base}/approve", headers=first)
    assert unproposed.status_code == 409, unproposed.text
    assert unproposed.json()["type"] == "urn:redress:problem:not-proposed"
    await platform.post(base, grounds, first)
    before = await platform.log_types(referral_id)
    alone = await platform.referral.post(f"{base}/approve", headers=first)
    assert alone.status_code == 409 and alone.json()["type"] == "urn:redress:problem:same-officer"
    assert alone.headers["content-type"] == "application/problem+json"
    assert await platform.log_types(referral_id) == before  # refused: nothing written
    assert "ReferralSent" not in before
    await platform.post(f"{base}/approve", None, second)
    events = await platform.system.store.read_stream(referral_id)
    proposed, approved, sent = events[-3:]
    assert proposed.data.grounds == "threat_to_life" and proposed.actor.id == "officer-1"
    assert "move her" not in proposed.data.model_dump_json()  # sealed with the worker's key
    assert (approved.data.officer, approved.data.proposed_by) == ("officer-2", "officer-1")
    assert (sent.data.basis, sent.data.fields) == ("emergency", ("narrative", "contact"))
    await platform.caught_up(referral_id)
    # The officers' timeline shows the grounds and who proposed and approved.
    timeline = (
        await platform.referral.get(f"/v1/referrals/{referral_id}/timeline", headers=second)
    ).json()["items"]
    steps = {i["type"]: i for i in timeline}
    assert steps["EmergencyReferralProposed"]["details"]["grounds"] == "threat_to_life"
    assert steps["EmergencyReferralProposed"]["actor_id"] == "officer-1"
    assert steps["EmergencyReferralApproved"]["actor_id"] == "officer-2"
    assert "move her" not in json.dumps(timeline)
    personal = await platform.referral.get(
        f"/v1/partner/referrals/{referral_id}/personal", headers=platform.partner()
    )
    assert set(personal.json()["fields"]) == {"narrative", "contact"}


async def test_an_unacknowledged_referral_becomes_overdue_and_shows_in_the_queue(platform):
    referral_id = await sent_to_shelter(platform)
    sent = (await platform.system.store.read_stream(referral_id))[-1].data
    clock = FixedClock(sent.acknowledge_by - timedelta(minutes=1))
    scheduler = overdue_scheduler(platform.system.pool, platform.system.store, clock)
    assert await scheduler.tick() == 0
    clock.at = sent.acknowledge_by + timedelta(seconds=1)
    assert await scheduler.tick() == 1
    assert await scheduler.tick() == 0
    assert (await platform.log_types(referral_id))[-1] == "ReferralOverdue"
    await platform.caught_up(referral_id)
    overdue = (
        await platform.referral.get(
            "/v1/referrals", params={"overdue": "true"}, headers=platform.token()
        )
    ).json()
    assert [i["referral_id"] for i in overdue["items"]] == [referral_id]
    assert overdue["items"][0]["partners"][0]["overdue"] is True
    await platform.post(
        f"/v1/partner/referrals/{referral_id}/acknowledge", None, platform.partner()
    )
    await platform.caught_up(referral_id)
    on_time = (
        await platform.referral.get(
            "/v1/referrals", params={"overdue": "true"}, headers=platform.token()
        )
    ).json()
    assert on_time["items"] == []


async def test_after_the_worker_erases_their_data_partners_read_nothing(platform):
    referral_id = await sent_to_shelter(platform)
    partner = platform.partner()
    readable = await platform.referral.get(
        f"/v1/partner/referrals/{referral_id}/personal", headers=partner
    )
    assert readable.status_code == 200, readable.text
    await erase_by_worker(
        WorkerPages(platform.intake), platform.filed["reference"], platform.filed["secret"]
    )
    erased = await platform.referral.get(
        f"/v1/partner/referrals/{referral_id}/personal", headers=partner
    )
    assert erased.status_code == 410, erased.text
    assert erased.json()["type"] == "urn:redress:problem:personal-data-erased"
    assert len(await disclosures(platform, referral_id)) == 1  # the read before erasure only
    # Nor is the partner told it may still fetch what is gone.
    minimum = await platform.referral.get(f"/v1/partner/referrals/{referral_id}", headers=partner)
    assert minimum.status_code == 200, minimum.text
    assert (minimum.json()["personal_fields"], minimum.json()["personal_data_erased"]) == ([], True)


async def test_a_partner_that_declined_and_is_chosen_again_lists_the_referral_only_when_sent(
    platform,
):
    """Chosen again after declining, the shelter's part begins anew, unsent: its list does
    not show a referral whose detail it cannot open, nor that the worker is asked again."""
    referral_id = await sent_to_shelter(platform)
    partner = platform.token(("partner",), org="safe-home", sub="safe-home-api")
    base = f"/v1/partner/referrals/{referral_id}"
    declined = await platform.referral.post(
        f"{base}/decline", json={"reason": "no_capacity"}, headers=partner
    )
    assert declined.status_code == 200, declined.text
    await platform.post(f"/v1/referrals/{referral_id}/partners", SHELTER_CHOICE)
    await platform.caught_up(referral_id)
    listed = (await platform.referral.get("/v1/partner/referrals", headers=partner)).json()
    assert listed["items"] == []
    assert (await platform.referral.get(base, headers=partner)).status_code == 404


async def test_the_partner_api_documents_what_it_answers_field_by_field(platform):
    """External partners build their clients from the OpenAPI document: each read names its
    fields and their codes, not a bare object."""
    schema = (await platform.referral.get("/openapi.json")).json()
    components = schema["components"]["schemas"]
    paths = {"/v1/partner/referrals": "SentReferrals",
             "/v1/partner/referrals/{referral_id}": "PartnerReferral",
             "/v1/partner/referrals/{referral_id}/personal": "PersonalData"}  # fmt: skip
    for path, model in paths.items():
        ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert ok["schema"]["$ref"].endswith(f"/{model}"), path
    detail = components["PartnerReferral"]["properties"]
    assert {"personal_fields", "status", "safety", "acknowledge_by"} <= set(detail)
    assert "awaiting_consent" in components["Status"]["enum"]
