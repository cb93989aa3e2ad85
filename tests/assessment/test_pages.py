"""The assessment pages over HTTP: who gets in, another organisation's page, CSRF."""

from __future__ import annotations

import re

from tests.assessment.conftest import ACME


async def logged_in(p, token: str):
    client = p.client
    client.cookies.clear()
    form = await client.get("/assessments/login")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text).group(1)
    answer = await client.post("/assessments/login", data={"csrf": csrf, "token": token})
    return answer, csrf


async def test_pages_admit_members_and_staff_and_keep_organisations_apart(platform):
    p = platform
    theirs = await p.start(p.member("brand-b"))
    await p.caught_up(theirs)
    partner = p.token(("partner",), org="safe-home")["Authorization"].split()[1]
    refused, _ = await logged_in(p, partner)
    assert refused.status_code == 403 and "member companies" in refused.text
    member = p.member(ACME)["Authorization"].split()[1]
    answer, csrf = await logged_in(p, member)
    assert answer.status_code == 303
    other = await p.client.get(f"/assessments/{theirs}")
    assert other.status_code == 404 and "text/html" in other.headers["content-type"]
    assert "brand-b" not in other.text
    # A form without its CSRF token changes nothing.
    before = await p.log_types(theirs)
    forged = await p.client.post("/assessments/start", data={"title": "forged"})
    assert forged.status_code == 403
    started = await p.client.post("/assessments/start", data={"csrf": csrf, "title": "Ours"})
    assert started.status_code == 303 and started.headers["location"].startswith("/assessments/")
    assert await p.log_types(theirs) == before
    await p.caught_up(started.headers["location"].split("?")[0].rsplit("/", 1)[1])
    listed = await p.call("GET", "/v1/assessments")
    assert [a["title"] for a in listed["items"]] == ["Ours"]
    officer = p.token()["Authorization"].split()[1]
    answer, _ = await logged_in(p, officer)
    page = await p.client.get(f"/assessments/{theirs}")
    assert page.status_code == 200 and "brand-b" in page.text
    assert 'name="answer"' not in page.text  # officers do not answer a member's
