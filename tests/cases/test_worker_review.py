"""A worker asks for a review of a rejection or an outcome (issue 13, item 8), over HTTP only.

Another officer than the one who decided upholds or reverses the decision; the officer who
took it is refused with a 409. The result and the reviewing officer's reasons reach the
worker's status page in their language (Bengali, Arabic); a company reads neither.
"""

from __future__ import annotations

import re

import httpx
import pytest

from redress.intake.texts import NO_REVIEW, OUTCOMES, REVIEW_ASKED, REVIEW_RESULTS, STATUS
from tests.cases.test_console import case_page, officer
from tests.cases.test_worker_loop import (
    EXPLANATIONS,
    LANGS,
    STATUS_PAGE,
    Worker,
    _shows,
    grievance_events,
    officer_post,
    say,
    the_case,
)
from tests.events.helpers import wait_until
from tests.intake.conftest import CLIENT_ADDRESS

REASONS = {
    "bn": "কারখানার নাম এখন জানা গেছে: আমরা আবার দেখছি।",
    "ar": "أصبح اسم المصنع معروفًا الآن: سننظر في الأمر من جديد.",
}
ASK = "If you think this decision is wrong, you can ask that another grievance officer looks at it again."  # noqa: E501


async def _review_opened(platform, case_id: str) -> bool:
    return "ReviewOpened" in await platform.log_types(case_id)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_rejection_reviewed_by_another_officer_is_reversed_and_the_worker_reads_it(
    platform, lang
):
    worker = Worker(platform.intake)
    reference, secret = await worker.file(lang)
    case_id = await the_case(platform)
    rejected = await officer_post(platform, case_id, "/reject", {
        "grounds": "insufficient_information", "explanation": EXPLANATIONS[lang]})  # fmt: skip
    assert rejected.status_code == 200, rejected.text
    await wait_until(lambda: _shows(worker, reference, secret, say(lang, ASK)))

    # As the page sends it: a button of the reply's form, with a reply half written beside
    # it, which waits in its box afterwards (it was lost).
    page = (await worker.client.get(f"/t/acme/status?lang={lang}")).text
    assert 'type="submit" form="reply-form" name="do" value="review"' in page
    origin = re.search(r'name="origin" value="([^"]+)"', page).group(1)
    asked = await worker.act(lang, do="review", message=EXPLANATIONS[lang], origin=origin)
    assert asked.status_code == 303 and asked.headers["location"].endswith("#review")
    page = await worker.client.get(asked.headers["location"])
    assert f'lang="{lang}"' in page.text
    assert f"required>{EXPLANATIONS[lang]}</textarea>" in page.text
    assert f'<p id="review-state">{say(lang, REVIEW_ASKED)}</p>' in page.text
    assert page.text.count(say(lang, REVIEW_ASKED)) == 1  # said there, and only there
    assert say(lang, ASK) not in page.text  # asked once: the form is gone
    await wait_until(lambda: _review_opened(platform, case_id))

    # The officer who rejected may not review their own decision.
    own = await officer_post(platform, case_id, "/review",
                             {"result": "reversed", "reasons": REASONS[lang]})  # fmt: skip
    assert own.status_code == 409 and own.json()["type"].endswith("own-decision"), own.text
    other = platform.token(sub="officer-2")
    reviewed = await platform.cases.post(
        f"/v1/cases/{case_id}/review", json={"result": "reversed", "reasons": REASONS[lang]},
        headers=other,
    )  # fmt: skip
    assert reviewed.status_code == 200, reviewed.text

    result = f'<p id="review-state">{say(lang, REVIEW_RESULTS["reversed"])}</p>'
    await wait_until(lambda: _shows(worker, reference, secret, result))
    page_text = await worker.open(reference, secret)
    assert REASONS[lang] in page_text
    assert f'<dd id="status">{say(lang, STATUS["verification"])}</dd>' in page_text
    assert say(lang, STATUS["rejected"]) not in page_text

    # Recorded on the case, in the officers' timeline; the company reads no reasons.
    staff = await platform.cases.get(f"/v1/cases/{case_id}/timeline", headers=platform.token())
    types = [entry["type"] for entry in staff.json()["items"]]
    assert {"ReviewRequested", "ReviewOpened", "ReviewDecided", "CaseReopened"} <= set(types)
    assert REASONS[lang] in staff.text
    async with officer(platform) as client:
        console = await case_page(client, case_id)
    assert "The worker asked for a review of the decision" in console
    member = await platform.cases.get(f"/v1/cases/{case_id}/timeline", headers=platform.member())
    assert member.status_code == 200 and REASONS[lang] not in member.text
    assert "ReviewRequested" not in member.text


@pytest.mark.parametrize("lang", LANGS)
async def test_an_outcome_review_upheld_reaches_the_worker(platform, lang):
    worker = Worker(platform.intake)
    reference, secret = await worker.file(lang)
    case_id = await the_case(platform)
    for path, body in [("/accept", {}), ("/advance", {"to": "response"}),
                       ("/close", {"outcome": "referred"})]:  # fmt: skip
        answer = await officer_post(platform, case_id, path, body)
        assert answer.status_code == 200, answer.text
    outcome = f'<dd id="outcome">{say(lang, OUTCOMES["referred"])}</dd>'
    await wait_until(lambda: _shows(worker, reference, secret, outcome))
    assert (await worker.act(lang, do="review")).status_code == 303
    await wait_until(lambda: _review_opened(platform, case_id))
    upheld = await platform.cases.post(
        f"/v1/cases/{case_id}/review", json={"result": "upheld", "reasons": REASONS[lang]},
        headers=platform.token(sub="officer-2", roles=("supervisor",)),
    )  # fmt: skip
    assert upheld.status_code == 200, upheld.text

    result = f'<p id="review-state">{say(lang, REVIEW_RESULTS["upheld"])}</p>'
    await wait_until(lambda: _shows(worker, reference, secret, result))
    page = await worker.open(reference, secret)
    assert REASONS[lang] in page and outcome in page
    # Reviewed once: no second request is offered, and one sent anyway changes nothing.
    assert say(lang, ASK) not in page
    count = len(await grievance_events(platform, reference))
    again = await worker.act(lang, do="review")
    assert again.status_code == 409 and say(lang, NO_REVIEW) in again.text
    assert len(await grievance_events(platform, reference)) == count


@pytest.mark.parametrize("lang", LANGS)
async def test_a_review_with_nothing_to_review_or_without_the_receipt_writes_nothing(
    platform, lang
):
    worker = Worker(platform.intake)
    reference, secret = await worker.file(lang)
    case_id = await the_case(platform)
    page = await worker.open(reference, secret)
    assert say(lang, ASK) not in page  # nothing decided yet
    count = len(await grievance_events(platform, reference))

    early = await worker.act(lang, do="review")
    assert early.status_code == 409 and f'lang="{lang}"' in early.text
    assert say(lang, NO_REVIEW) in early.text
    assert early.headers["content-type"].startswith("text/html")
    forged = await worker.client.post(f"{STATUS_PAGE}?lang={lang}",
                                      data={"csrf": "0" * 64, "do": "review"})  # fmt: skip
    assert forged.status_code == 403
    transport = httpx.ASGITransport(app=platform.intake_app, client=CLIENT_ADDRESS)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as stranger:
        answer = await Worker(stranger).act(lang, do="review")
        assert answer.status_code == 401 and f'lang="{lang}"' in answer.text
    assert len(await grievance_events(platform, reference)) == count

    # An officer cannot review what the worker did not ask to have reviewed, nor send a
    # result the API does not know or no reasons; a company or an admin may not review.
    before = await platform.log_types(case_id)
    for body, status in [({"result": "upheld", "reasons": "Fine"}, 409),
                         ({"result": "maybe", "reasons": "Fine"}, 422),
                         ({"result": "upheld", "reasons": "  "}, 422),
                         ({"result": "upheld"}, 422)]:  # fmt: skip
        answer = await officer_post(platform, case_id, "/review", body)
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
    for headers in (platform.member(), platform.token(("admin",), sub="admin-1")):
        body = {"result": "upheld", "reasons": "Fine"}
        answer = await platform.cases.post(
            f"/v1/cases/{case_id}/review", headers=headers, json=body
        )
        assert answer.status_code == 403, answer.text
    assert await platform.log_types(case_id) == before
