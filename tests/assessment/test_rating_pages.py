"""The rating from the pages: what officer and member said of it (a rating proposed with its
comment, disputed with its reason, agreed) belongs to no criterion, and is shown on both
sides' pages and in the PDF."""

from __future__ import annotations

import html
import io
import re

from pypdf import PdfReader

from tests.assessment.test_flow import GOVERNANCE
from tests.assessment.test_pages import logged_in

PROPOSED = "Every answer checked against the minutes."
DISPUTED = "Our policy was signed in May: Launched is reached."
AGAIN = "Signed, but not published: Launched stands."


async def test_what_was_said_of_the_rating_shows_on_both_pages_and_in_the_pdf(platform):
    p = platform
    officer = p.token()
    assessment_id = await p.submitted(GOVERNANCE)
    base = f"/v1/assessments/{assessment_id}"
    await p.post(f"{base}/rating", {"comment": PROPOSED}, officer)
    await p.post(f"{base}/rating/dispute", {"comment": DISPUTED})
    await p.post(f"{base}/rating", {"comment": AGAIN}, officer)
    await p.post(f"{base}/rating/agree")
    await p.caught_up(assessment_id)
    for who in (p.member(), officer):
        await logged_in(p, who["Authorization"].split()[1])
        page = await p.client.get(f"/assessments/{assessment_id}")
        said = html.unescape(page.text.split('id="rating-said"')[1].split("</section>")[0])
        lines = re.findall(r'<p class="msg">(.*?)</p>', said)
        assert [line.split(" by ")[0] for line in lines] == [
            "Rating proposed", "Rating disputed", "Rating proposed", "Rating agreed"]  # fmt: skip
        assert PROPOSED in lines[0] and "officer-1 (officer)" in lines[0]
        assert DISPUTED in lines[1] and "acme-apparel-user (member)" in lines[1]
        assert AGAIN in lines[2]
    got = await p.client.get(f"{base}/export.pdf", headers=p.member())
    assert got.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(got.content)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "What was said of the rating" in text
    for comment in (PROPOSED, DISPUTED, AGAIN):
        assert comment in text


async def test_a_rating_refused_comes_back_with_the_comment_and_the_challenges_in_words(platform):
    """Proposed with a challenge open: the assessment's page again (not a bare page leading
    to the list), the comment as typed, and beside the form the reason, naming the
    criterion by its words; a dispute without a reason likewise."""
    p = platform
    officer = p.token()
    assessment_id = await p.submitted(GOVERNANCE)
    base = f"/v1/assessments/{assessment_id}"
    await p.post(f"{base}/answers/gov-l2/challenge", {"comment": "Unsigned."}, officer)
    await p.caught_up(assessment_id)
    await logged_in(p, officer["Authorization"].split()[1])
    page = (await p.client.get(f"/assessments/{assessment_id}")).text
    before = await p.log_types(assessment_id)
    refused = await p.client.post(f"/assessments/{assessment_id}/rating", data={
        "csrf": re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1),
        "step": "propose", "comment": PROPOSED})  # fmt: skip
    assert refused.status_code == 409, refused.text[:2000]
    assert await p.log_types(assessment_id) == before
    shown = html.unescape(refused.text)
    form = shown.split('id="rating"')[1].split("</form>")[0]
    assert 'aria-describedby="propose-error"' in form
    beside = form.split('id="propose-error">')[1].split("</p>")[0]
    said = "Settle the challenges first: Governance, Launched 2 (the member owes a reply)."
    assert beside == said
    assert f">{PROPOSED}</textarea>" in form
    assert 'id="c-gov-l2"' in shown and "gov-l2 " not in beside
    await p.post(f"{base}/answers/gov-l2/verify", {}, officer)
    await p.post(f"{base}/rating", {}, officer)
    await p.caught_up(assessment_id)
    await logged_in(p, p.member()["Authorization"].split()[1])
    page = (await p.client.get(f"/assessments/{assessment_id}")).text
    blank = await p.client.post(f"/assessments/{assessment_id}/rating", data={
        "csrf": re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1),
        "step": "dispute", "comment": "   "})  # fmt: skip
    assert blank.status_code == 422, blank.text[:2000]
    assert re.search(r'id="dispute-comment"[^>]*aria-invalid="true"', blank.text)
    assert 'href="#dispute-comment"' in blank.text
