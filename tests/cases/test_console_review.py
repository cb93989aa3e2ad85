"""The console's form for a review the worker asked for (issue 13, item 8), over HTTP only.

The case page shows the form only while a review is pending. The officer who took the
decision is told on the page that another officer must review it, and is refused; another
officer upholds or reverses it there, and the worker reads the result and the reasons on
their status page, in their language (Bengali, Arabic). A form with no result is refused
with the reason and writes nothing.
"""

from __future__ import annotations

import re

import pytest

from redress.intake.texts import REVIEW_RESULTS
from tests.cases.test_console import alert, case_page, officer, submit, versions
from tests.cases.test_worker_loop import EXPLANATIONS, LANGS, Worker, _shows, officer_post, say
from tests.cases.test_worker_loop import the_case as first_case
from tests.events.helpers import wait_until

REASONS = {
    "bn": "কারখানার নাম এখন জানা গেছে: আমরা আবার দেখছি।",
    "ar": "أصبح اسم المصنع معروفًا الآن: سننظر في الأمر من جديد.",
}


@pytest.mark.parametrize("lang", LANGS)
async def test_another_officer_decides_the_review_on_the_case_page_and_the_worker_reads_it(
    platform, lang
):
    worker = Worker(platform.intake)
    reference, secret = await worker.file(lang)
    case_id = await first_case(platform)
    async with officer(platform) as own:
        assert 'id="form-review"' not in await case_page(own, case_id)  # nothing asked yet
    rejected = await officer_post(platform, case_id, "/reject", {
        "grounds": "insufficient_information", "explanation": EXPLANATIONS[lang]})  # fmt: skip
    assert rejected.status_code == 200, rejected.text
    await worker.open(reference, secret)
    assert (await worker.act(lang, do="review")).status_code == 303

    async def asked() -> bool:
        return "ReviewOpened" in await platform.log_types(case_id)

    await wait_until(asked)
    # The officer who rejected sees the request, is told it is not theirs, and is refused.
    async with officer(platform) as own:
        page = await case_page(own, case_id)
        assert 'id="form-review"' in page
        said = re.search(r'<p id="review-asked">(.*?)</p>', page).group(1)
        assert "rejection, decided by officer-1" in said and "another officer must" in said
        before = await versions(platform, case_id)
        refused = await submit(own, case_id, "review",
                               {"result": "reversed", "reasons": REASONS[lang]})  # fmt: skip
        assert refused.status_code == 409
        assert "another officer must review this decision" in alert(refused.text)
        assert await versions(platform, case_id) == before

    async with officer(platform, sub="officer-2") as other:
        page = await case_page(other, case_id)
        assert "You took it" not in page
        missing = await submit(other, case_id, "review", {"reasons": REASONS[lang]})
        assert missing.status_code == 422 and "The review was refused" in alert(missing.text)
        assert REASONS[lang] in missing.text  # what the officer typed is kept
        assert await versions(platform, case_id) == before
        decided = await submit(other, case_id, "review",
                               {"result": "reversed", "reasons": REASONS[lang]})  # fmt: skip
        assert decided.status_code == 303, decided.text
        after = (await other.get(decided.headers["location"])).text
        assert "The review was decided" in after
        assert 'id="form-review"' not in after  # decided: nothing pending
    types = await platform.log_types(case_id)
    assert types[-3:] == ["ReviewDecided", "CaseReopened", "StageEntered"]

    result = say(lang, REVIEW_RESULTS["reversed"])
    await wait_until(lambda: _shows(worker, reference, secret, result))
    assert REASONS[lang] in await worker.open(reference, secret)
