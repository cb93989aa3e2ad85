"""Workers stay in the loop (issue 13, items 1, 2 and 6), through the served apps only.

A rejection reaches the worker's status page with its grounds in plain words, the officer's
explanation and where else to go; the company never reads the explanation. A withdrawal on
the status page ends the case, stops its deadlines and any message, and the officer is told.
Officers see contact details only while the worker allows contact, which the worker changes
on the status page. The worker reads each in their language (Bengali, Arabic).
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

import redress.intake
from redress.cases.policies import case_stream
from redress.events.catalogue.grievance import (
    Category,
    Channel,
    Consent,
    GrievanceSubmitted,
    Sealed,
    WithdrawalRequested,
)
from redress.events.catalogue.partner import PartnerRegistered, PartnerRetired
from redress.events.envelope import Actor, Metadata
from redress.events.ids import derived_stream, new_id
from redress.intake.texts import CONTACT_OFF, CONTACT_ON, GROUNDS, PARTNER_KINDS, STATUS
from redress.kit.i18n import Catalogues
from tests.cases.test_console import case_page, officer
from tests.events.helpers import wait_until
from tests.intake.conftest import CLIENT_ADDRESS, TENANT

STATUS_PAGE = f"/t/{TENANT}/status"
CATALOGUES = Catalogues(Path(redress.intake.__file__).parent / "locales")
LANGS = ("bn", "ar")
NARRATIVES = {
    "bn": "তিন মাস ধরে ওভারটাইমের মজুরি দেওয়া হয়নি।",
    "ar": "لم يُدفع أجر العمل الإضافي منذ ثلاثة أشهر.",
}
EXPLANATIONS = {
    "bn": "কারখানার নাম ও শহর জানালে আমরা আবার দেখতে পারি।",
    "ar": "إذا أخبرتنا باسم المصنع والمدينة يمكننا النظر فيه من جديد.",
}
PHONE = "+8801712345678"
ADMIN = Metadata(tenant=TENANT, actor=Actor(id="admin-1", role="admin"))


def say(lang: str, message: str) -> str:
    """The message as the worker reads it: translated, then escaped as the page does."""
    text = str(CATALOGUES.get(lang).gettext(message))
    return text.replace("&", "&amp;").replace("'", "&#39;").replace('"', "&#34;")


class Worker:
    """A worker's phone: their own cookies, on the served intake app."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def csrf(self, path: str = f"/t/{TENANT}/verify") -> str:
        # Any worker page gives this browser's token; the verify page always has a form.
        page = await self.client.get(path)
        return re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)

    async def file(self, lang: str, contact_me: bool = True) -> tuple[str, str]:
        form = await self.client.get(f"/t/{TENANT}/report?lang={lang}")
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text).group(1)
        form_id = re.search(r'name="form_id" value="([^"]+)"', form.text).group(1)
        data = {"csrf": csrf, "form_id": form_id, "lang": lang, "country": "BD",
                "site_id": "dhaka-1", "category": "wages_and_benefits",
                "narrative": NARRATIVES[lang], "contact": PHONE, "submit": "1"}  # fmt: skip
        if contact_me:
            data["contact_me"] = "yes"
        receipt = await self.client.post(f"/t/{TENANT}/report", data=data, follow_redirects=True)
        assert receipt.status_code == 200, receipt.text
        reference = re.search(r'id="reference">([^<]+)<', receipt.text).group(1)
        secret = re.search(r'id="secret">([^<]+)<', receipt.text).group(1)
        return reference, secret

    async def open(self, reference: str, secret: str) -> str:
        csrf = await self.csrf()
        page = await self.client.post(
            f"{STATUS_PAGE}/open", data={"csrf": csrf, "reference": reference, "secret": secret},
            follow_redirects=True,
        )  # fmt: skip
        assert page.status_code == 200, page.text
        return page.text

    async def act(self, lang: str, **form: str) -> httpx.Response:
        csrf = await self.csrf()
        return await self.client.post(f"{STATUS_PAGE}?lang={lang}", data={"csrf": csrf, **form})


async def the_case(platform) -> str:
    async def opened() -> bool:
        answer = await platform.cases.get("/v1/cases", headers=platform.token())
        return len(answer.json()["items"]) == 1

    await wait_until(opened)
    answer = await platform.cases.get("/v1/cases", headers=platform.token())
    return answer.json()["items"][0]["case_id"]


async def officer_post(platform, case_id: str, path: str, body: dict | None = None):
    return await platform.cases.post(
        f"/v1/cases/{case_id}{path}", json=body or {}, headers=platform.token()
    )


async def detail(platform, case_id: str, headers: dict | None = None) -> dict:
    answer = await platform.cases.get(f"/v1/cases/{case_id}", headers=headers or platform.token())
    assert answer.status_code == 200, answer.text
    return answer.json()


async def directory(platform) -> None:
    """The tenant's referral partners, as the referral service writes them to the log."""
    partners = [
        PartnerRegistered(partner_id="legal-aid-dhaka", name="Legal Aid Dhaka", kind="legal_aid",
                          countries=("BD",), contact="+880 2 5555 0101"),
        PartnerRegistered(partner_id="pp-union", name="Phnom Penh Union", kind="trade_union",
                          countries=("KH",)),
        PartnerRegistered(partner_id="old-shelter", name="Old Shelter", kind="shelter",
                          countries=("BD",)),
        PartnerRetired(partner_id="old-shelter"),
    ]  # fmt: skip
    await platform.system.store.append(derived_stream("partner", TENANT), partners, 0, ADMIN)


async def grievance_events(platform, reference: str) -> list:
    async with platform.system.pool.acquire() as conn:
        gid = await conn.fetchval(
            "SELECT grievance_id FROM intake.receipts WHERE reference = $1", reference
        )
    return await platform.system.store.read_stream(f"grievance-{gid}")


# -- 1. a rejection reaches the worker ------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_a_rejection_reaches_the_worker_with_grounds_explanation_and_where_to_go(
    platform, lang
):
    await directory(platform)
    worker = Worker(platform.intake)
    reference, secret = await worker.file(lang)
    case_id = await the_case(platform)
    rejected = await officer_post(platform, case_id, "/reject", {
        "grounds": "insufficient_information", "explanation": EXPLANATIONS[lang]})  # fmt: skip
    assert rejected.status_code == 200, rejected.text

    not_taken_up = f'<dd id="status">{say(lang, STATUS["rejected"])}</dd>'
    await wait_until(lambda: _shows(worker, reference, secret, not_taken_up))
    page = await worker.open(reference, secret)
    assert f'lang="{lang}"' in page
    assert f'<p id="grounds">{say(lang, GROUNDS["insufficient_information"])}</p>' in page
    assert EXPLANATIONS[lang] in page
    assert say(lang, "You can still go to a court, the labour inspection or a trade union.") in page
    # The partners of the directory that work in the worker's country, and only they.
    assert "Legal Aid Dhaka" in page and say(lang, PARTNER_KINDS["legal_aid"]) in page
    assert "+880 2 5555 0101" in page
    assert "Phnom Penh Union" not in page and "Old Shelter" not in page
    # The worker can no longer be told "being checked".
    assert say(lang, STATUS["admissibility"]) not in page

    # The explanation is for the worker: the company reads neither it nor that it exists.
    member = platform.member()
    for path in ("", "/timeline"):
        answer = await platform.cases.get(f"/v1/cases/{case_id}{path}", headers=member)
        assert answer.status_code == 200, answer.text
        assert EXPLANATIONS[lang] not in answer.text and "explanation" not in answer.text
    staff = await platform.cases.get(f"/v1/cases/{case_id}/timeline", headers=platform.token())
    assert EXPLANATIONS[lang] in staff.text


async def _shows(worker: Worker, reference: str, secret: str, text: str) -> bool:
    return text in await worker.open(reference, secret)


# -- 2. a withdrawal ends the case ----------------------------------------------------------


async def _timers(platform, case_id: str) -> int:
    async with platform.system.pool.acquire() as conn:
        return await conn.fetchval(
            "SELECT count(*) FROM cases.timers WHERE id LIKE $1", f"{case_id}:%"
        )


@pytest.mark.parametrize("lang", LANGS)
async def test_a_withdrawal_ends_the_case_stops_deadlines_and_contact_and_tells_the_officer(
    platform, lang
):
    worker = Worker(platform.intake)
    reference, secret = await worker.file(lang)
    case_id = await the_case(platform)
    assert (await officer_post(platform, case_id, "/accept")).status_code == 200
    await wait_until(lambda: _has_timer(platform, case_id))

    await worker.open(reference, secret)
    withdrawn = await worker.act(lang, do="withdraw", confirm="yes")
    assert withdrawn.status_code == 303, withdrawn.text
    await wait_until(lambda: _ended(platform, case_id))
    ended = (await platform.system.store.read_stream(case_id))[-1]
    assert ended.data.grounds == "withdrawn_by_worker" and ended.actor.role == "system"

    # Deadlines stop: the case is no longer due, and its timer is gone.
    await wait_until(lambda: _no_timer(platform, case_id))
    body = await detail(platform, case_id)
    assert (body["status"], body["grounds"], body["stage_due"]) == (
        "rejected", "withdrawn_by_worker", None)  # fmt: skip
    assert body["withdrawn"] is True and "contact" not in body["grievance"]
    # Contact stops: no message reaches the worker, and nothing is written.
    before = await platform.log_types(case_id)
    refused = await officer_post(platform, case_id, "/messages", {"text": "Are you sure?"})
    assert refused.status_code == 409 and refused.json()["type"].endswith(":withdrawn")
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert await platform.log_types(case_id) == before

    # The officer is told, on the case page.
    async with officer(platform) as client:
        page = await case_page(client, case_id)
        queue = (await client.get("/console")).text
    assert 'id="withdrawn"' in page and "The worker withdrew the grievance" in page
    assert re.search(r"<td[^>]*>Withdrawn by the worker</td>", queue)
    assert 'id="form-message"' not in page and PHONE not in page

    # The worker's page says the case ended.
    page = await worker.open(reference, secret)
    assert f'<dd id="status">{say(lang, STATUS["ended"])}</dd>' in page
    closed = "The case is closed: nothing more will be done about it, and nobody will contact you about it."  # noqa: E501
    assert say(lang, closed) in page


async def test_a_withdrawal_after_a_rejection_keeps_it_and_stops_contact_and_reopening(platform):
    """The status page offers withdrawing a report that was not taken up, and promises that
    nobody will contact the worker about it: the case keeps its rejection, and from then on
    its contact details are not shown, no message is written and no officer reopens it."""
    worker = Worker(platform.intake)
    reference, secret = await worker.file("bn")
    case_id = await the_case(platform)
    # Only the worker withdraws: an officer may not reject in their name.
    posing = await officer_post(platform, case_id, "/reject", {"grounds": "withdrawn_by_worker"})
    assert posing.status_code == 422, posing.text
    rejected = await officer_post(platform, case_id, "/reject", {
        "grounds": "insufficient_information", "explanation": EXPLANATIONS["bn"]})  # fmt: skip
    assert rejected.status_code == 200, rejected.text
    assert "contact" in (await detail(platform, case_id))["grievance"]

    await worker.open(reference, secret)
    withdrawn = await worker.act("bn", do="withdraw", confirm="yes")
    assert withdrawn.status_code == 303, withdrawn.text

    async def recorded() -> bool:
        return (await platform.log_types(case_id))[-1:] == ["CaseWithdrawn"]

    await wait_until(recorded)

    async def hidden() -> bool:
        return "contact" not in (await detail(platform, case_id))["grievance"]

    await wait_until(hidden)
    body = await detail(platform, case_id)
    assert (body["status"], body["grounds"]) == ("rejected", "insufficient_information")
    assert body["withdrawn"] is True
    before = await platform.log_types(case_id)
    for path, sent in (("/messages", {"text": "Are you sure?"}), ("/reopen", {"reason": "x"})):
        refused = await officer_post(platform, case_id, path, sent)
        assert refused.status_code == 409 and refused.json()["type"].endswith(":withdrawn")
    assert await platform.log_types(case_id) == before
    async with officer(platform) as client:
        page = await case_page(client, case_id)
    assert 'id="withdrawn"' in page and PHONE not in page
    assert 'id="form-reopen"' not in page  # it would only be refused


async def _has_timer(platform, case_id: str) -> bool:
    return await _timers(platform, case_id) > 0


async def _no_timer(platform, case_id: str) -> bool:
    return await _timers(platform, case_id) == 0


async def _ended(platform, case_id: str) -> bool:
    return (await platform.log_types(case_id))[-1:] == ["CaseRejected"]


async def test_a_withdrawal_in_the_same_transaction_as_the_filing_still_ends_the_case(platform):
    """The policy opens the case in its batch's transaction; the withdrawal in that batch
    must find the case there, not in a transaction of its own."""
    grievance_id = str(new_id())
    filed = GrievanceSubmitted(
        grievance_id=grievance_id, channel=Channel.web, language="bn", country="BD",
        category=Category.other, consent=Consent(), receipt_reference="R-TEST-0001",
        receipt_hash="x", filed_digest="0" * 64,
        personal=Sealed(key_id="unused", ciphertext="unused"),
    )  # fmt: skip
    worker = Metadata(tenant=TENANT, actor=Actor(id="worker", role="worker"))
    stream = f"grievance-{grievance_id}"
    await platform.system.store.append(
        stream, [filed, WithdrawalRequested(grievance_id=grievance_id)], 0, worker
    )
    case_id = case_stream(grievance_id)
    await wait_until(lambda: _ended(platform, case_id))
    assert await platform.log_types(case_id) == ["CaseOpened", "StageEntered", "CaseRejected"]


# -- 3. consent to be contacted -------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
async def test_officers_see_contact_details_only_while_the_worker_allows_it(platform, lang):
    worker = Worker(platform.intake)
    reference, secret = await worker.file(lang, contact_me=False)
    case_id = await the_case(platform)
    body = await detail(platform, case_id)
    assert body["contact_consented"] is False and "contact" not in body["grievance"]
    async with officer(platform) as client:
        page = await case_page(client, case_id)
    assert "No contact consented" in page and PHONE not in page

    page = await worker.open(reference, secret)
    refused = (
        "You did not agree to be contacted: the grievance officer cannot see your contact details."
    )
    assert say(lang, refused) in page
    # As the page sends it: a button of the reply's form, with a reply half written beside it,
    # which waits in its box afterwards (it was lost).
    origin = re.search(r'name="origin" value="([^"]+)"', page).group(1)
    allowed = await worker.act(lang, do="contact-yes", message="The agent came again",
                               retaliation="yes", origin=origin)  # fmt: skip
    assert allowed.status_code == 303 and allowed.headers["location"].endswith("done=contact_on")
    page = (await worker.client.get(allowed.headers["location"])).text
    assert say(lang, CONTACT_ON) in page and 'name="do" value="contact-no"' in page
    assert "required>The agent came again</textarea>" in page
    assert 'id="retaliation" name="retaliation" value="yes" checked' in page
    changes = [e for e in await grievance_events(platform, reference)
               if e.type == "ContactConsentChanged"]  # fmt: skip
    assert [e.data.contact_me for e in changes] == [True]
    assert PHONE not in str(changes[0].data.model_dump())  # the details stay sealed
    await wait_until(lambda: _contact_shown(platform, case_id, True))
    async with officer(platform) as client:
        assert PHONE in await case_page(client, case_id)

    # The same answer again changes nothing, and writes nothing.
    count = len(await grievance_events(platform, reference))
    again = await worker.act(lang, do="contact", contact="yes")
    assert again.status_code == 303
    assert len(await grievance_events(platform, reference)) == count

    stopped = await worker.act(lang, do="contact", contact="no")
    assert stopped.headers["location"].endswith("done=contact_off")
    page = (await worker.client.get(stopped.headers["location"])).text
    assert say(lang, CONTACT_OFF) in page
    await wait_until(lambda: _contact_shown(platform, case_id, False))


async def _contact_shown(platform, case_id: str, shown: bool) -> bool:
    grievance = (await detail(platform, case_id))["grievance"]
    return (grievance.get("contact", {}).get("phone_or_email") == PHONE) is shown


@pytest.mark.parametrize("lang", LANGS)
async def test_a_bad_or_unauthorised_consent_change_writes_nothing(platform, lang):
    worker = Worker(platform.intake)
    reference, secret = await worker.file(lang, contact_me=False)
    await worker.open(reference, secret)
    count = len(await grievance_events(platform, reference))

    # A value that is neither yes nor no, or none at all: a page in the worker's language.
    for form in ({"do": "contact", "contact": "maybe"}, {"do": "contact"}):
        bad = await worker.act(lang, **form)
        assert bad.status_code == 422 and f'lang="{lang}"' in bad.text
        assert bad.headers["content-type"].startswith("text/html")
    # A forged form (no CSRF token of this browser).
    forged = await worker.client.post(
        f"{STATUS_PAGE}?lang={lang}", data={"csrf": "0" * 64, "do": "contact", "contact": "yes"}
    )
    assert forged.status_code == 403
    # Someone without the receipt: another phone, with no session.
    transport = httpx.ASGITransport(app=platform.intake_app, client=CLIENT_ADDRESS)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as stranger:
        other = Worker(stranger)
        answer = await other.act(lang, do="contact", contact="yes")
        assert answer.status_code == 401 and 'name="secret"' in answer.text
        assert f'lang="{lang}"' in answer.text
    # The session of one initiative does not open another's pages.
    elsewhere = await worker.client.post(
        f"/t/other/status?lang={lang}", data={"csrf": await worker.csrf(), "do": "contact",
                                              "contact": "yes"})  # fmt: skip
    assert elsewhere.status_code in (401, 404)
    assert len(await grievance_events(platform, reference)) == count
