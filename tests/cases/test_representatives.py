"""Representatives beside workers (issue 13, item 7), through the served apps only.

A union files for a worker: the receipt is handed to the worker and stays theirs; the union
follows the grievance's progress and never reads what was written. A representative asks to
accompany a worker; the worker alone allows or refuses it on the status page, in their
language (Bengali, Arabic). Officers see the representative on the case; companies do not.
"""

from __future__ import annotations

import html
import re

import pytest

from redress.cases.policies import case_stream
from redress.intake.texts import NOT_NOW, REPRESENTED
from tests.cases.test_worker_loop import NARRATIVES, STATUS_PAGE, Worker, say, the_case
from tests.events.helpers import wait_until

UNION, NGO = "garment-union", "migrant-aid"
ASKS = ("%(org)s asks to accompany you in this report. They would see how it goes, never what "
        "you wrote or how to reach you.")  # fmt: skip
FILED_FOR = "%(org)s filed this report for you and sees how it goes."
ACCOMPANIES = "%(org)s accompanies you in this report and sees how it goes."


def representative(platform, org: str = UNION, tenant: str = "acme") -> dict:
    return platform.token(("representative",), org=org, sub=f"{org}-1", tenant=tenant)


def said(lang: str, message: str, org: str) -> str:
    return say(lang, message).replace("%(org)s", org)


async def represented(platform, org: str = UNION) -> list[dict]:
    answer = await platform.intake.get("/v1/representative/grievances",
                                       headers=representative(platform, org))  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.json()["grievances"]


async def events(platform) -> int:
    async with platform.system.pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM eventlog.events")


@pytest.mark.parametrize("lang", ["bn", "ar"])
async def test_a_union_files_for_a_worker_whose_receipt_stays_theirs(platform, lang):
    contact = {"phone_or_email": "+8801711111111"}
    grievance = {"country": "BD", "site_id": "dhaka-1", "category": "wages_and_benefits",
                 "narrative": NARRATIVES[lang], "language": lang, "contact": contact,
                 "consent": {"contact_me": True}}  # fmt: skip
    filed = await platform.intake.post("/v1/representative/grievances", json=grievance,
                                       headers=representative(platform))  # fmt: skip
    assert filed.status_code == 201, filed.text
    receipt = filed.json()
    assert receipt["secret"]  # handed to the worker: the union reads with its own token
    types = await platform.log_types(receipt["stream"])
    assert types == ["GrievanceSubmitted", "RepresentativeRecorded"]

    # The worker follows it with the receipt, and reads who filed it, in their language.
    worker = Worker(platform.intake)

    async def told() -> bool:
        page = await worker.open(receipt["reference"], receipt["secret"])
        return f'lang="{lang}"' in page and said(lang, FILED_FOR, UNION) in page

    await wait_until(told)

    # The union follows the progress, never what was written nor how to reach the worker.
    async def listed() -> bool:
        return len(await represented(platform)) == 1

    await wait_until(listed)
    (mine,) = await represented(platform)
    assert (mine["reference"], mine["capacity"], mine["status"]) == (
        receipt["reference"], "filed_for", "open")  # fmt: skip
    answer = await platform.intake.get("/v1/representative/grievances",
                                       headers=representative(platform))  # fmt: skip
    assert NARRATIVES[lang] not in answer.text and "8801711111111" not in answer.text
    assert await represented(platform, NGO) == []

    # Recorded on the case: the officer reads who; the company whose supplier it is does not.
    case_id = case_stream(receipt["grievance_id"])

    async def on_case() -> bool:
        staff = await platform.cases.get(f"/v1/cases/{case_id}/timeline",
                                         headers=platform.token())  # fmt: skip
        return staff.status_code == 200 and "RepresentativeRecorded" in staff.text

    await wait_until(on_case)
    staff = await platform.cases.get(f"/v1/cases/{case_id}/timeline", headers=platform.token())
    (entry,) = [e for e in staff.json()["items"] if e["type"] == "RepresentativeRecorded"]
    assert entry["details"] == {"org": UNION, "capacity": "filed_for"}
    member = await platform.cases.get(f"/v1/cases/{case_id}/timeline", headers=platform.member())
    assert member.status_code == 200 and UNION not in member.text
    # A representative is no officer: the cases API is closed to it.
    assert (
        await platform.cases.get("/v1/cases", headers=representative(platform))
    ).status_code == 403


@pytest.mark.parametrize("lang", ["bn", "ar"])
async def test_a_representative_accompanies_a_worker_only_when_the_worker_allows_it(platform, lang):
    worker = Worker(platform.intake)
    reference, secret = await worker.file(lang)
    asked = await platform.intake.post("/v1/representative/accompaniments",
                                       json={"reference": reference},
                                       headers=representative(platform))  # fmt: skip
    assert asked.status_code == 202 and asked.json()["asked"] is True, asked.text
    again = await platform.intake.post("/v1/representative/accompaniments",
                                       json={"reference": reference},
                                       headers=representative(platform))  # fmt: skip
    assert again.json()["asked"] is False  # asked once: the worker answers once
    for org in (NGO,):
        other = await platform.intake.post("/v1/representative/accompaniments",
                                           json={"reference": reference},
                                           headers=representative(platform, org))  # fmt: skip
        assert other.status_code == 202, other.text
    assert await represented(platform) == []  # nothing before the worker allows it

    async def asks() -> bool:
        return said(lang, ASKS, NGO) in await worker.open(reference, secret)

    await wait_until(asks)
    page = await worker.open(reference, secret)
    assert said(lang, ASKS, UNION) in page
    assert say(lang, "Allow") in page and say(lang, "Refuse") in page

    # A reply half written beside the answer waits in its box afterwards (it was lost).
    allowed = await answer(worker, lang, UNION, "yes", message="OK", retaliation="yes")
    assert allowed.status_code == 303, allowed.text
    shown = (await worker.client.get(allowed.headers["location"])).text
    assert say(lang, REPRESENTED[True]) in shown and said(lang, ACCOMPANIES, UNION) in shown
    assert "required>OK</textarea>" in shown
    assert 'id="retaliation" name="retaliation" value="yes" checked' in shown
    refused = await answer(worker, lang, NGO, "no")
    assert refused.status_code == 303
    shown = (await worker.client.get(refused.headers["location"])).text
    assert say(lang, REPRESENTED[False]) in shown and said(lang, ASKS, NGO) not in shown

    (mine,) = await represented(platform)
    assert (mine["reference"], mine["capacity"]) == (reference, "accompanies")
    assert await represented(platform, NGO) == []
    # An answer given, or never asked for, is not taken again: a page in the worker's words.
    before = await events(platform)
    twice = await answer(worker, lang, NGO, "yes")
    assert twice.status_code == 409 and say(lang, NOT_NOW) in twice.text
    assert f'lang="{lang}"' in twice.text
    assert await events(platform) == before


async def answer(worker: Worker, lang: str, org: str, allow: str, **typed: str):
    """As the page sends it: a button of the reply's form, naming the organisation in the
    address it sends to (with what is typed in the reply's form, `typed`)."""
    page = (await worker.client.get(f"{STATUS_PAGE}?lang={lang}")).text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
    origin = re.search(r'name="origin" value="([^"]+)"', page).group(1)
    address = f"{STATUS_PAGE}/representation?lang={lang}&amp;org={org}"
    if f'form="reply-form" formaction="{address}" name="allow"' not in page:
        # No longer asking: the organisation named by the form, as an older page would.
        form = {"csrf": csrf, "org": org, "allow": allow}
        return await worker.client.post(f"{STATUS_PAGE}/representation?lang={lang}", data=form)
    form = {"csrf": csrf, "allow": allow, "origin": origin, **typed}
    return await worker.client.post(html.unescape(address), data=form)


async def test_only_representatives_reach_their_routes_and_bad_input_changes_nothing(platform):
    worker = Worker(platform.intake)
    reference, _ = await worker.file("bn")
    await the_case(platform)  # opened: nothing more is written unasked
    filing = {"country": "BD", "site_id": "dhaka-1", "category": "other", "narrative": "x"}
    routes = [("POST", "/v1/representative/grievances", filing),
              ("POST", "/v1/representative/accompaniments", {"reference": reference}),
              ("GET", "/v1/representative/grievances", None)]  # fmt: skip
    before = await events(platform)
    for method, path, body in routes:
        assert (await platform.intake.request(method, path, json=body)).status_code == 401
        for role in ("officer", "operator", "member", "admin", "auditor", "partner",
                     "supervisor"):  # fmt: skip
            answer = await platform.intake.request(
                method, path, json=body, headers=platform.token((role,), org="x"))  # fmt: skip
            assert answer.status_code == 403, (method, path, role, answer.text)
        nameless = platform.token(("representative",))  # a token naming no organisation
        answer = await platform.intake.request(method, path, json=body, headers=nameless)
        assert answer.status_code == 403, (method, path, answer.text)
    # Another tenant's representative finds no grievance of this one by its reference.
    foreign = representative(platform, tenant="globex-msi")
    answer = await platform.intake.post("/v1/representative/accompaniments",
                                        json={"reference": reference}, headers=foreign)  # fmt: skip
    assert answer.status_code == 404 and answer.json()["type"].endswith(":unknown-reference")
    bad = [("/v1/representative/accompaniments", {"reference": "R-<script>"}),
           ("/v1/representative/accompaniments", {"reference": reference, "secret": "1234"}),
           ("/v1/representative/accompaniments", {}),
           ("/v1/representative/grievances", {**filing, "category": "nonsense"}),
           ("/v1/representative/grievances", {**filing, "represented_by": "someone"})]  # fmt: skip
    for path, body in bad:
        answer = await platform.intake.post(path, json=body, headers=representative(platform))
        assert answer.status_code == 422, (path, body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    unknown = await platform.intake.post("/v1/representative/accompaniments",
                                         json={"reference": "R-ZZZZZZZZ"},
                                         headers=representative(platform))  # fmt: skip
    assert unknown.status_code == 404
    assert await events(platform) == before
