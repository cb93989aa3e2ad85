"""The referral console over HTTP: the queue, the referral page and each of its forms, the
emergency path by two officers, overdue acknowledgements in the queue, and the admin's partner
directory with its secrets shown once.

Each form runs the same handler as the JSON API and redirects back to its page; a refused
command shows the domain's reason with the API's status; bad input 422; a forged CSRF token
is refused with 403 and writes nothing.
"""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from redress.events.envelope import Actor, Metadata
from redress.events.projection import wait_for_version
from redress.events.timers import FixedClock
from redress.referral.explanation import reads_stream as explanation_reads_stream
from redress.referral.overdue import overdue_scheduler
from redress.referral.policies import directory_stream
from redress.referral.projections import ReferralViews
from redress.tenancy.domain import ChangeSettings
from redress.tenancy.handlers import execute, read_tenant
from tests.cases.test_console import alert as raw_alert
from tests.cases.test_console import bearer, csrf_of, dd, refusal
from tests.events.helpers import wait_until
from tests.intake.conftest import CLIENT_ADDRESS, TENANT
from tests.referral.test_flow import PHONE, chosen, sent_to_shelter

PHONE_FORM = {"answer": "given", "fields": ["contact"], "given_by": "worker",
              "channel": "phone", "given_at": "2026-03-02T09:15"}  # fmt: skip


def browser_for(platform) -> httpx.AsyncClient:
    """A fresh cookie jar on the running referral app: one person's browser."""
    transport = httpx.ASGITransport(app=platform.referral_app, client=CLIENT_ADDRESS)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def log_in(client: httpx.AsyncClient, token: str) -> httpx.Response:
    page = await client.get("/console/login")
    assert page.status_code == 200, page.text
    return await client.post("/console/login", data={"csrf": csrf_of(page.text), "token": token})


@contextlib.asynccontextmanager
async def staff(platform, headers: dict) -> AsyncIterator[httpx.AsyncClient]:
    async with browser_for(platform) as client:
        answer = await log_in(client, bearer(headers))
        assert answer.status_code == 303 and answer.headers["location"] == "/console", answer.text
        yield client


async def page_of(client: httpx.AsyncClient, path: str) -> str:
    answer = await client.get(path)
    assert answer.status_code == 200, (path, answer.status_code, answer.text)
    return html.unescape(answer.text)


async def post(client, page: str, action: str, data: dict | None = None) -> httpx.Response:
    """Send a form with the CSRF token of the page it is on."""
    token = csrf_of(await page_of(client, page))
    return await client.post(action, data={"csrf": token, **(data or {})})


async def done(client, page: str, action: str, data: dict | None = None) -> str:
    """A form that must succeed: follow its redirect, return the page it shows."""
    answer = await post(client, page, action, data)
    assert answer.status_code == 303, (action, answer.status_code, answer.text)
    location = answer.headers["location"]
    assert "done=" in location and "min_version=" in location, location
    shown = await page_of(client, location)
    assert 'role="status" id="notice"' in shown, shown
    return shown


def text(page: str) -> str:
    inline = re.sub(r"</?bdi>", "", page)  # a name's isolation is no word break
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inline))


def alert(page: str) -> str:
    return html.unescape(raw_alert(page))


async def test_an_officer_refers_a_case_from_the_queue_to_a_sent_referral(platform):
    await platform.register_partners()
    referral_id = await platform.file_and_escalate()
    page = f"/console/referrals/{referral_id}"
    async with staff(platform, platform.token()) as client:
        queue = await page_of(client, "/console")
        assert f'data-referral="{referral_id}"' in queue and "To check" in queue
        # The case page's link lands on the case's referral.
        case_id = (await platform.system.store.read_stream(referral_id))[0].data.case_id
        found = await client.get(f"/console/cases/{case_id}")
        assert found.status_code == 303 and found.headers["location"] == page
        nothing = await client.get("/console/cases/case-00000000-0000-0000-0000-000000000000")
        assert nothing.status_code == 404 and refusal(nothing) == "not-found"

        shown = await page_of(client, page)
        assert "Not checked yet" in shown and 'id="form-select"' not in shown
        # Choosing before the safety check is refused by the domain, with its reason.
        refused = await post(client, page, f"{page}/partners",
                             {"partner_id": "safe-home", "services": ["shelter"]})  # fmt: skip
        assert refused.status_code == 409 and "check the worker's safety" in alert(refused.text)

        safety = {"imminent_danger": "no", "must_not_learn": ["employer", "recruiter"]}
        shown = await done(client, page, f"{page}/safety", safety)
        assert dd(shown, "imminent-danger") == "No" and "Employer, Recruiter" in shown
        assert "Imminent danger: no" in shown and "False" not in shown  # the timeline's words
        # The directory ranked for the case: the national mechanism first, then the shelter.
        picks = re.findall(r'id="pick-([a-z-]+)"', shown)
        assert picks == ["nrm-bd", "safe-home"]
        # A refused choice keeps what was picked and ticked, and says why in plain words.
        kept = await post(client, page, f"{page}/partners",
                          {"partner_id": "safe-home", "fields": ["narrative"]})  # fmt: skip
        assert kept.status_code == 422 and "choose or write at least one" in alert(kept.text)
        assert re.search(r'id="pick-safe-home"[^>]*checked', kept.text)
        assert not re.search(r'id="pick-nrm-bd"[^>]*checked', kept.text)
        assert re.search(r'id="share-narrative"[^>]*checked', kept.text)
        assert not re.search(r'id="share-contact"[^>]*checked', kept.text)
        assert "the country's national referral mechanism" in shown
        assert "handles document retention" in shown

        invalid = await post(client, page, f"{page}/partners", {"partner_id": "safe-home"})
        assert invalid.status_code == 422 and "Services" in alert(invalid.text)
        assert 'aria-describedby="select-services-error"' in invalid.text
        assert 'href="#select-services"' in invalid.text
        shown = await done(client, page, f"{page}/partners", {
            "partner_id": "safe-home", "services": ["shelter", "legal_aid"],
            "fields": ["narrative", "contact"]})  # fmt: skip
        assert dd(shown, "status-safe-home") == "Awaiting consent"
        assert dd(shown, "consent-safe-home") == "Pending"
        assert re.findall(r'id="pick-([a-z-]+)"', shown) == ["nrm-bd"]
        # No emergency without imminent danger: the form is not offered.
        assert 'id="form-propose-1"' not in shown

        asked = await post(client, page, f"{page}/partners/safe-home/consent",
                           PHONE_FORM | {"fields": ["contact", "bank"]})  # fmt: skip
        assert asked.status_code == 422, asked.text
        # A refused form opens again with its wrong field marked, said beside it and listed
        # above the page; what was chosen in it is kept.
        marked = await post(client, page, f"{page}/partners/safe-home/consent",
                            PHONE_FORM | {"given_by": "representative", "channel": "video",
                                          "given_at": "2999-01-01T09:15"})  # fmt: skip
        assert marked.status_code == 422
        assert "When the worker said so: the worker's answer cannot be dated in the future" in (
            alert(marked.text)
        )
        assert "<details open>" in marked.text
        assert re.search(r'<input id="consent-safe-home-given-at"[^>]*value="2999-01-01T09:15"'
                         r'[^>]* aria-invalid="true" aria-describedby='
                         r'"consent-safe-home-given-at-error"', marked.text)  # fmt: skip
        assert 'id="consent-safe-home-given-at-error"' in marked.text
        assert 'href="#consent-safe-home-given-at"' in marked.text
        assert '<option value="representative" selected>' in marked.text
        assert '<option value="video" selected>' in marked.text
        assert 'aria-invalid="true"' not in asked.text.split('id="consent-safe-home-fields"')[0]
        shown = await done(client, page, f"{page}/partners/safe-home/consent", PHONE_FORM)
        assert dd(shown, "status-safe-home") == "Sent"
        assert dd(shown, "consent-safe-home") == "Given (phone)"
        assert "Consent given" in shown and "Referral sent" in shown
        given = next(e for e in await platform.system.store.read_stream(referral_id)
                     if e.type == "ConsentGiven")  # fmt: skip
        assert given.data.fields == ("contact",) and given.data.channel == "phone"
        assert given.data.given_at.isoformat() == "2026-03-02T09:15:00+00:00"

        queue = await page_of(client, "/console?status=sent")
        assert f'data-referral="{referral_id}"' in queue and "acknowledge by" in queue
        empty = await page_of(client, "/console?status=closed")
        assert referral_id not in empty and "No referrals match" in empty
        bad = await client.get("/console?status=lost")
        assert bad.status_code == 422 and "not understood" in bad.text

        shown = await done(client, page, f"{page}/partners/safe-home/withdraw")
        assert dd(shown, "status-safe-home") == "Withdrawn"
        assert 'id="form-withdraw-1"' not in shown
        again = await post(client, page, f"{page}/partners/safe-home/withdraw")
        assert again.status_code == 409 and "has ended" in alert(again.text)


async def test_an_emergency_referral_needs_a_second_different_officer(platform):
    await platform.register_partners()
    referral_id = await platform.file_and_escalate()
    page = f"/console/referrals/{referral_id}"
    first, second = platform.token(sub="officer-1"), platform.token(sub="officer-2")
    async with staff(platform, first) as client:
        await done(client, page, f"{page}/safety", {"imminent_danger": "yes"})
        shown = await done(client, page, f"{page}/partners",
                           {"partner_id": "nrm-bd", "services": ["protection"]})  # fmt: skip
        assert 'id="form-propose-1"' in shown
        emergency = {"grounds": "threat_to_life", "explanation": "He was threatened."}
        shown = await done(client, page, f"{page}/partners/nrm-bd/emergency", emergency)
        assert "awaiting a second officer" in dd(shown, "emergency-nrm-bd")
        assert "another officer must approve it" in shown and 'id="form-approve-1"' not in shown
        alone = await post(client, page, f"{page}/partners/nrm-bd/emergency/approve")
        assert alone.status_code == 409 and "second, different officer" in alert(alone.text)
    assert "ReferralSent" not in await platform.log_types(referral_id)
    async with staff(platform, second) as client:
        shown = await page_of(client, page)
        assert 'id="form-approve-1"' in shown and "officer-1 proposes" in shown
        assert "He was threatened" not in shown  # sealed until an officer asks to read it
        reads = explanation_reads_stream(referral_id)
        read = await post(client, page, f"{page}/partners/nrm-bd/explanation")
        assert read.status_code == 200, read.text
        said = re.search(r'<blockquote dir="auto" id="explanation-nrm-bd">([^<]*)<', read.text)
        assert said and said[1] == "He was threatened."
        [recorded] = await platform.system.store.read_stream(reads)
        assert (recorded.type, recorded.actor.id) == ("PersonalDataRead", "officer-2")
        assert recorded.data.fields == ("emergency_explanation",)
        assert 'id="form-explanation-1"' not in read.text and 'id="form-approve-1"' in read.text
        shown = await done(client, page, f"{page}/partners/nrm-bd/emergency/approve")
        assert dd(shown, "status-nrm-bd") == "Sent"
        assert "approved by officer-2" in dd(shown, "emergency-nrm-bd")
    approved = next(e for e in await platform.system.store.read_stream(referral_id)
                    if e.type == "EmergencyReferralApproved")  # fmt: skip
    assert (approved.data.proposed_by, approved.data.officer) == ("officer-1", "officer-2")
    # The sealed explanation reaches no page but the one answering an officer's reading.
    assert "He was threatened" not in shown


async def directory_shown(platform) -> None:
    """Until the directory's view holds every change written so far."""
    stream = directory_stream(TENANT)
    version = await platform.system.store.stream_version(stream)
    pool = platform.system.pool
    assert await wait_for_version(pool, ReferralViews(), stream, version, timeout=30)


async def test_an_admin_keeps_the_directory_and_sees_each_secret_once(platform):
    await platform.register_partners()
    await directory_shown(platform)
    async with staff(platform, platform.admin()) as client:
        # An admin reads no referral: the console opens on the directory.
        home = await client.get("/console")
        assert home.status_code == 303 and home.headers["location"] == "/console/partners"
        listing = await page_of(client, "/console/partners")
        assert "Safe Home Dhaka" in listing and 'id="form-add"' in listing
        assert ">Referrals<" not in listing

        added = await post(client, "/console/partners", "/console/partners", {
            "partner_id": "legal-bd", "name": "Legal Aid BD", "kind": "legal_aid",
            "countries": "bd, np", "languages": ["bn"], "services": ["legal_aid"],
            "contact": "desk@legal.example"})  # fmt: skip
        assert added.status_code == 303, added.text
        shown = await page_of(client, added.headers["location"])
        assert "The partner was saved." in shown and "BD, NP" in shown
        bad = await post(client, "/console/partners", "/console/partners", {
            "partner_id": "Bad Id", "name": "X", "kind": "ngo", "countries": "BD"})  # fmt: skip
        assert bad.status_code == 422 and 'value="Bad Id"' in bad.text

        page = "/console/partners/legal-bd"
        answer = await post(client, page, f"{page}/endpoints", {"url": "https://legal.example/h"})
        assert answer.status_code == 200, answer.text
        secret = re.search(r'id="secret">(whsec_[A-Za-z0-9+/=]+)<', answer.text).group(1)
        endpoint = re.search(r'id="secret-endpoint">(ep_[A-Za-z0-9_-]+)<', answer.text).group(1)
        assert "shown this once" in answer.text
        assert "no-store" in answer.headers["cache-control"]
        shown = await page_of(client, page)
        assert endpoint in shown and secret not in shown and "whsec_" not in shown
        log = str([e.data for e in await platform.system.store.read_stream(
            directory_stream(TENANT))])  # fmt: skip
        assert secret not in log

        rotated = await post(client, page, f"{page}/endpoints/{endpoint}/rotate",
                             {"overlap_hours": "2"})  # fmt: skip
        assert rotated.status_code == 200, rotated.text
        new = re.search(r'id="secret">(whsec_[A-Za-z0-9+/=]+)<', rotated.text).group(1)
        assert new != secret and "Still signs until" in rotated.text
        assert "a previous one, until" in await page_of(client, page)
        too_long = await post(client, page, f"{page}/endpoints/{endpoint}/rotate",
                              {"overlap_hours": "500"})  # fmt: skip
        assert too_long.status_code == 422 and "whsec_" not in too_long.text

        shown = await done(client, page, f"{page}/endpoints/{endpoint}/remove")
        assert endpoint not in shown and "No endpoint" in shown
        shown = await done(client, page, page, {
            "name": "Legal Aid Bangladesh", "kind": "legal_aid", "countries": "BD",
            "services": ["legal_aid", "documents"]})  # fmt: skip
        assert "<h1><bdi>Legal Aid Bangladesh</bdi>" in shown and "Documents" in shown
        shown = await done(client, page, f"{page}/retire")
        assert "Retired" in shown and 'id="form-endpoint"' not in shown

        saved = await post(client, "/console/partners", "/console/settings", {"hours": "48"})
        assert saved.status_code == 303
        assert "within 48 hours" in await page_of(client, saved.headers["location"])
        refused = await post(client, "/console/partners", "/console/settings", {"hours": "0"})
        assert refused.status_code == 422 and "within 48 hours" in refused.text

        referral = await client.get("/console/referrals/referral-anything")
        assert referral.status_code == 403 and refusal(referral) == "forbidden"

    # Officers read the directory and change nothing in it.
    async with staff(platform, platform.token()) as client:
        shown = await page_of(client, "/console/partners/safe-home")
        assert "Safe Home Dhaka" in shown and 'id="form-edit"' not in shown
        assert "Webhook endpoints" not in shown
        before = await platform.system.store.stream_version(directory_stream(TENANT))
        for action in ("/console/partners/safe-home/retire", "/console/settings"):
            answer = await post(client, "/console/partners", action, {"hours": "1"})
            assert answer.status_code == 403 and refusal(answer) == "forbidden"
        assert await platform.system.store.stream_version(directory_stream(TENANT)) == before


FORMS = ["/safety", "/partners", "/partners/safe-home/consent", "/partners/safe-home/emergency",
         "/partners/safe-home/emergency/approve", "/partners/safe-home/withdraw"]  # fmt: skip


@pytest.mark.parametrize("route", FORMS)
async def test_every_form_is_csrf_protected(platform, route):
    await platform.register_partners()
    referral_id = await platform.file_and_escalate()
    page = f"/console/referrals/{referral_id}"
    async with staff(platform, platform.token()) as client, browser_for(platform) as stranger:
        foreign = csrf_of((await stranger.get("/console/login")).text)
        before = await platform.system.store.stream_version(referral_id)
        data = {"imminent_danger": "yes", "partner_id": "safe-home", "services": ["shelter"],
                "grounds": "threat_to_life"} | PHONE_FORM  # fmt: skip
        for forged in ({"csrf": foreign}, {"csrf": "f" * 64}, {}):
            answer = await client.post(f"{page}{route}", data=data | forged)
            assert answer.status_code == 403 and refusal(answer) == "csrf", answer.text
        assert await platform.system.store.stream_version(referral_id) == before


async def test_another_tenants_officer_finds_nothing(platform):
    await platform.register_partners()
    referral_id = await platform.file_and_escalate()
    page = f"/console/referrals/{referral_id}"
    async with staff(platform, platform.token(tenant="globex", sub="globex-1")) as client:
        queue = await page_of(client, "/console")
        assert referral_id not in queue
        for path in (page, f"{page}?min_version=5"):
            hidden = await client.get(path)
            assert hidden.status_code == 404 and refusal(hidden) == "not-found"
        before = await platform.system.store.stream_version(referral_id)
        for route, data in (("/safety", {"imminent_danger": "no"}), ("/safety", {})):
            answer = await post(client, "/console", f"{page}{route}", data)
            assert answer.status_code == 404, "bad input must not reveal another tenant's referral"
        assert await platform.system.store.stream_version(referral_id) == before
        assert "safe-home" not in text(await page_of(client, "/console/partners"))


async def test_the_queue_flags_an_overdue_acknowledgement_and_filters_on_it(platform):
    late = await sent_to_shelter(platform)
    waiting = await platform.file_and_escalate()
    sent = (await platform.system.store.read_stream(late))[-1].data
    clock = FixedClock(sent.acknowledge_by + timedelta(seconds=1))
    assert await overdue_scheduler(platform.system.pool, platform.system.store, clock).tick() == 1
    await platform.caught_up(late)
    async with staff(platform, platform.token()) as client:
        queue = await page_of(client, "/console?overdue=yes")
        row = re.search(rf'<tr class="overdue" data-referral="{late}">(.*?)</tr>', queue, re.S)
        assert row and "Safe Home Dhaka: sent" in text(row[1]) and "Overdue" in row[1]
        assert waiting not in queue
        others = await page_of(client, "/console?overdue=no")
        assert waiting in others and late not in others
        shown = await page_of(client, f"/console/referrals/{late}")
        assert dd(shown, "status-safe-home") == "Sent Overdue"
        assert "Referral overdue" in shown


async def test_a_partner_retired_while_the_worker_is_asked_is_sent_nothing(platform):
    """Retired after it was chosen, the shelter's part is withdrawn: the worker is no longer
    asked to consent to it, nothing is sent, and the referral page says to choose another."""
    await platform.register_partners()
    referral_id = await platform.file_and_escalate()
    await chosen(platform, referral_id)
    admin = platform.token(("admin",), sub="admin-1")
    await platform.post("/v1/partners/safe-home/retire", None, admin)

    async def withdrawn() -> bool:
        return (await platform.log_types(referral_id))[-1] == "ReferralWithdrawn"

    await wait_until(withdrawn)
    last = (await platform.system.store.read_stream(referral_id))[-1]
    assert (last.data.partner_id, last.actor.role) == ("safe-home", "system")
    before = await platform.log_types(referral_id)
    on_phone = platform.token(sub="officer-on-the-phone")
    refused = await platform.referral.post(
        f"/v1/referrals/{referral_id}/partners/safe-home/consent", json=PHONE, headers=on_phone
    )
    assert refused.status_code == 409, refused.text
    assert await platform.log_types(referral_id) == before
    assert "ReferralSent" not in before
    await platform.caught_up(referral_id)
    async with staff(platform, platform.token()) as client:

        async def flagged() -> bool:  # once the directory's view has the retirement
            shown = await page_of(client, f"/console/referrals/{referral_id}")
            return 'id="retired-safe-home"' in shown

        await wait_until(flagged)
        shown = await page_of(client, f"/console/referrals/{referral_id}")
    assert dd(shown, "status-safe-home") == "Withdrawn"
    assert "choose another partner" in dd(shown, "retired-safe-home")


async def test_no_emergency_is_offered_over_the_workers_no_to_a_partner_chosen_again(platform):
    await platform.register_partners()
    referral_id = await platform.file_and_escalate()
    page = f"/console/referrals/{referral_id}"
    choice = {"partner_id": "safe-home", "services": ["shelter"]}
    async with staff(platform, platform.token()) as client:
        await done(client, page, f"{page}/safety", {"imminent_danger": "yes"})
        shown = await done(client, page, f"{page}/partners", choice)
        assert 'id="form-propose-1"' in shown  # in danger, unanswered: offered
        declined = PHONE_FORM | {"answer": "declined", "fields": []}
        await done(client, page, f"{page}/partners/safe-home/consent", declined)
        shown = await done(client, page, f"{page}/partners", choice)
    assert dd(shown, "status-safe-home") == "Awaiting consent"
    assert 'id="form-propose-1"' not in shown
    assert "never as an emergency over their answer" in shown


async def test_a_consent_taken_by_phone_is_dated_in_the_initiatives_time_zone(platform):
    # The initiative works in Dhaka (UTC+6): the operator writes the hour they heard there.
    store, meta = platform.system.store, Metadata(tenant=TENANT, actor=Actor(id="a", role="admin"))
    async with platform.system.pool.acquire() as conn:
        now = (await read_tenant(conn, TENANT)).settings
    await execute(store, TENANT, ChangeSettings(now.name, "Asia/Dhaka", now.working_days,
                                                now.languages), meta)  # fmt: skip
    await platform.register_partners()
    referral_id = await platform.file_and_escalate()
    page = f"/console/referrals/{referral_id}"
    async with staff(platform, platform.token()) as client:
        await done(client, page, f"{page}/safety", {"imminent_danger": "no"})
        shown = await done(client, page, f"{page}/partners",
                           {"partner_id": "safe-home", "services": ["shelter"],
                            "fields": ["contact"]})  # fmt: skip
        assert "When the worker said so (Asia/Dhaka)" in shown
        typed_now = re.search(r'id="consent-safe-home-given-at"[^>]*value="([^"]+)"', shown)[1]
        offered = datetime.fromisoformat(typed_now).replace(tzinfo=ZoneInfo("Asia/Dhaka"))
        assert abs(datetime.now(UTC) - offered) < timedelta(minutes=2)  # now, in Dhaka
        shown = await done(client, page, f"{page}/partners/safe-home/consent", PHONE_FORM)
        given = next(e for e in await store.read_stream(referral_id) if e.type == "ConsentGiven")
        assert given.data.given_at == datetime(2026, 3, 2, 3, 15, tzinfo=UTC)
        # The page says it back as it was typed, with the zone it is in.
        assert "Given at: 2026-03-02 09:15 Asia/Dhaka" in text(shown)
        queue = await page_of(client, "/console?status=sent")
        assert re.search(r"acknowledge by \d{4}-\d\d-\d\d \d\d:\d\d Asia/Dhaka", text(queue))
