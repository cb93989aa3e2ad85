"""The officer console over HTTP: log in with a token, the queue, every form of the case page.

Each form runs the same command as the JSON API and redirects back to the case; a refused
command shows the domain's reason with 409, bad input 422; a forged CSRF token is refused
with 403 and changes nothing; members and other tenants' officers get nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from redress.cases.policies import case_stream
from redress.cases.projections import CaseViews
from redress.events.projection import wait_for_version
from redress.events.timers import FixedClock
from redress.kit.registry import PORTS
from tests.cases.test_flow import open_status
from tests.events.helpers import wait_until
from tests.intake.conftest import CLIENT_ADDRESS

TENANT = "acme"
NARRATIVE = "The agent kept our passports and we paid 900 dollars in fees."
CONTACT = {"name": "Rina", "phone_or_email": "+8801700000001", "time": "after 6 pm"}


# -- helpers ----------------------------------------------------------------------------------


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)


def refusal(answer: httpx.Response) -> str:
    """The kind of a refusal the console answered as a page of its own (never as JSON)."""
    assert answer.headers["content-type"].startswith("text/html"), answer.text
    return re.search(r'data-problem="([a-z-]+)"', answer.text).group(1)


def browser_for(platform) -> httpx.AsyncClient:
    """A fresh cookie jar on the running cases app: one officer's browser."""
    transport = httpx.ASGITransport(app=platform.cases_app, client=CLIENT_ADDRESS)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def bearer(headers: dict) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def log_in(client: httpx.AsyncClient, token: str) -> httpx.Response:
    page = await client.get("/console/login")
    assert page.status_code == 200, page.text
    return await client.post("/console/login", data={"csrf": csrf_of(page.text), "token": token})


@contextlib.asynccontextmanager
async def officer(platform, **claims) -> AsyncIterator[httpx.AsyncClient]:
    """A browser in which a staff member (an officer of acme unless told) has logged in."""
    async with browser_for(platform) as client:
        answer = await log_in(client, bearer(platform.token(**claims)))
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/console"
        yield client


async def file_grievance(platform, category="recruitment_and_fees", site_id="dhaka-1") -> dict:
    """File through the operator API and wait for its case; return the receipt and case id."""
    answer = await platform.intake.post(
        "/v1/operator/grievances",
        json={"site_id": site_id, "category": category,  # the site gives the country
              "narrative": NARRATIVE, "language": "en", "contact": CONTACT,
              "consent": {"contact_me": True}, "since": "2026-09-01"},
        headers=platform.token(("operator",), sub="operator-1"),
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    filed = answer.json()
    case_id = case_stream(filed["grievance_id"])
    assert await wait_for_version(platform.system.pool, CaseViews(), case_id, 2, timeout=30)
    return filed | {"case_id": case_id}


async def versions(platform, case_id: str) -> int:
    return len(await platform.system.store.read_stream(case_id))


async def case_page(client: httpx.AsyncClient, case_id: str) -> str:
    page = await client.get(f"/console/cases/{case_id}")
    assert page.status_code == 200, page.text
    return page.text


async def submit(
    client: httpx.AsyncClient, case_id: str, action: str, data: dict | None = None
) -> httpx.Response:
    """Send a form of the case page with the page's own CSRF token."""
    token = csrf_of(await case_page(client, case_id))
    return await client.post(
        f"/console/cases/{case_id}/{action}", data={"csrf": token, **(data or {})}
    )


async def done(client: httpx.AsyncClient, case_id: str, action: str, data=None) -> str:
    """Submit a form that must succeed; follow the redirect and return the case page."""
    answer = await submit(client, case_id, action, data)
    assert answer.status_code == 303, (action, answer.status_code, answer.text)
    location = answer.headers["location"]
    assert location.startswith(f"/console/cases/{case_id}?done="), location
    assert "min_version=" in location
    page = await client.get(location)
    assert page.status_code == 200, page.text
    assert 'role="status" id="notice"' in page.text, (action, page.text)
    return page.text


def dd(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</dd>', html, re.S)
    assert found, element_id
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def alert(html: str) -> str:
    found = re.search(r'role="alert"[^>]*>(.*?)</p>', html, re.S)
    assert found, "no alert on the page"
    return found.group(1).strip()


# -- logging in and out -----------------------------------------------------------------------


async def test_login_keeps_the_token_in_a_strict_http_only_cookie_and_logout_clears_it(platform):
    async with browser_for(platform) as client:
        away = await client.get("/console")
        assert away.status_code == 303 and away.headers["location"] == "/console/login"
        away = await client.get("/console/cases/case-anything")
        assert away.status_code == 303 and away.headers["location"] == "/console/login"

        login = await client.get("/console/login")
        assert login.status_code == 200 and 'type="password"' in login.text
        assert "no-store" in login.headers["cache-control"]
        no_csrf = await client.post("/console/login", data={"token": "x"})
        assert no_csrf.status_code == 403 and refusal(no_csrf) == "csrf"

        refused = await log_in(client, "not-a-token")
        assert refused.status_code == 401
        assert "That token was refused" in alert(refused.text)
        assert "staff_token" not in refused.headers.get("set-cookie", "")
        empty = await log_in(client, "   ")
        assert empty.status_code == 422 and "Paste your access token" in alert(empty.text)

        answer = await log_in(client, "Bearer " + bearer(platform.token()))
        assert answer.status_code == 303 and answer.headers["location"] == "/console"
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith("staff_token=")
        for attribute in ("HttpOnly", "SameSite=strict", "Path=/console"):
            assert attribute.lower() in cookie.lower(), cookie
        assert "secure" not in cookie.lower()  # plain http in tests; https sets Secure
        queue = await client.get("/console")
        assert queue.status_code == 200 and "officer-1" in queue.text
        # The queue links the officer dashboard, in the metrics service's pages, by URL.
        assert re.search(r'href="http://[^"]+:\d+/dashboard/[^/"]+/officer"', queue.text)
        # Logged in, the login page sends the officer on to the queue.
        again = await client.get("/console/login")
        assert again.status_code == 303 and again.headers["location"] == "/console"

        forged = await client.post("/console/logout", data={"csrf": "0" * 64})
        assert forged.status_code == 403 and refusal(forged) == "csrf"
        assert (await client.get("/console")).status_code == 200

        out = await client.post("/console/logout", data={"csrf": csrf_of(queue.text)})
        assert out.status_code == 303 and out.headers["location"] == "/console/login?done=out"
        assert "staff_token=" in out.headers["set-cookie"]
        said = (await client.get(out.headers["location"])).text
        assert "You have logged out" in said and "organisation's account" not in said
        assert (await client.get("/console")).status_code == 303


async def test_an_expired_or_forged_cookie_sends_the_officer_to_log_in(platform):
    expired = platform.signer.issue("officer-1", TENANT, ["officer"], ttl=-60)
    for token in (expired, "forged.token.value"):
        async with browser_for(platform) as client:
            client.cookies.set("staff_token", token, path="/console")
            away = await client.get("/console")
            assert away.status_code == 303 and away.headers["location"] == "/console/login"
    # A form sent as the session ended: the login page says it was not saved.
    case_id = (await file_grievance(platform))["case_id"]
    async with officer(platform) as client:
        token = csrf_of(await case_page(client, case_id))
        client.cookies.set("staff_token", expired, path="/console")
        before = await versions(platform, case_id)
        sent = await client.post(f"/console/cases/{case_id}/notes",
                                 data={"csrf": token, "text": "Call the agent."})  # fmt: skip
        assert sent.status_code == 303
        assert sent.headers["location"] == "/console/login?done=expired"
        told = await client.get(sent.headers["location"])
        assert "what you were sending was not saved" in told.text
        assert await versions(platform, case_id) == before


async def test_console_routes_are_not_in_the_openapi_document(platform):
    paths = (await platform.cases.get("/openapi.json")).json()["paths"]
    assert not [p for p in paths if p.startswith("/console")]
    assert "/v1/cases" in paths


# -- the queue --------------------------------------------------------------------------------


async def test_queue_lists_filters_pages_and_marks_overdue_cases(platform):
    first = await file_grievance(platform, "recruitment_and_fees")
    second = await file_grievance(platform, "wages_and_benefits", site_id="pp-2")
    async with officer(platform) as client:
        page = await client.get("/console")
        assert page.status_code == 200
        for case in (first, second):
            assert f'href="/console/cases/{case["case_id"]}"' in page.text
        assert 'class="flag">Overdue' not in page.text
        # An empty select is "any": the GET form sends every field.
        everything = await client.get(
            "/console", params={"stage": "", "severity": "", "officer": "", "overdue": ""}
        )
        assert everything.status_code == 200 and second["case_id"] in everything.text

        await done(client, first["case_id"], "triage",
                   {"indicators": ["debt_bondage"], "severity": "low"})  # fmt: skip
        await done(client, first["case_id"], "assign", {"officer": "officer-7"})

        async def shown(**params) -> set[str]:
            answer = await client.get("/console", params=params)
            assert answer.status_code == 200, answer.text
            return set(re.findall(r'data-case="([^"]+)"', answer.text))

        assert await shown(severity="critical") == {first["case_id"]}
        assert await shown(severity="low") == set()
        assert await shown(officer="officer-7") == {first["case_id"]}
        assert await shown(stage="admissibility") == {first["case_id"], second["case_id"]}
        assert await shown(stage="verification") == set()
        assert await shown(overdue="yes") == set()
        assert await shown(overdue="no") == {first["case_id"], second["case_id"]}
        # The officer filter offers the officers cases are assigned to.
        assert '<option value="officer-7">' in (await client.get("/console")).text
        selected = await client.get("/console", params={"severity": "critical"})
        assert '<option value="critical" selected>' in selected.text

        # Cursor pagination, filters kept on the next page.
        one = await client.get("/console", params={"stage": "admissibility", "limit": 1})
        assert set(re.findall(r'data-case="([^"]+)"', one.text)) == {first["case_id"]}
        next_url = re.search(r'<a href="([^"]+)" rel="next">', one.text).group(1)
        next_url = next_url.replace("&amp;", "&")
        assert "stage=admissibility" in next_url and "cursor=" in next_url
        two = await client.get(next_url)
        assert set(re.findall(r'data-case="([^"]+)"', two.text)) == {second["case_id"]}
        assert 'rel="next"' not in two.text and "First page" in two.text

        # Past the admissibility due date both cases are overdue, and marked so.
        cases = platform.cases_app.state.runtime.extras["cases"]
        cases.clock = FixedClock(datetime.now(UTC) + timedelta(days=30))
        assert await shown(overdue="yes") == {first["case_id"], second["case_id"]}
        late = await client.get("/console")
        assert late.text.count('class="flag">Overdue') == 2
        assert late.text.count('<tr class="overdue"') == 2
        case = await case_page(client, first["case_id"])
        assert re.search(r'id="case-due">[^<]*<strong class="flag">Overdue', case)

        bad = await client.get("/console", params={"stage": "nowhere"})
        assert bad.status_code == 422 and "Stage" in alert(bad.text)
        bad_cursor = await client.get("/console", params={"cursor": "not-a-cursor"})
        assert bad_cursor.status_code == 422 and "cursor" in alert(bad_cursor.text)


# -- the case page and its forms --------------------------------------------------------------


async def test_the_case_page_shows_the_grievance_and_every_form_runs_its_command(platform):
    filed = await file_grievance(platform)
    case_id = filed["case_id"]
    async with officer(platform) as client:
        page = await case_page(client, case_id)
        # The grievance, decrypted for the officer.
        assert NARRATIVE in page and "+8801700000001" in page and "after 6 pm" in page
        assert dd(page, "case-stage") == "Admissibility"
        assert dd(page, "case-since") == "2026-09-01"  # since when, as the worker said
        assert dd(page, "case-severity") == "Not triaged"
        # The category's suggestions are ticked before triage.
        for code in ("recruitment_fees", "debt_bondage", "unlicensed_recruiter"):
            assert re.search(rf'id="ind-{code}" name="indicators" value="{code}" checked', page)
        assert not re.search(r'id="ind-isolation"[^>]*checked', page)
        # Each indicator with its weight and its meaning in plain words.
        assert (
            "Strong: escalates alone<br>The employer or agent keeps workers&#39; passports" in page
        )
        assert "Labour-rights risk<br>No payslips, or payslips that cannot be read." in page
        for form in ("triage", "accept", "reject", "assign-officer", "assign-facilitator",
                     "message", "note"):  # fmt: skip
            assert f'id="form-{form}"' in page, form
        for form in ("advance", "add-action", "close", "satisfaction", "lessons", "reopen"):
            assert f'id="form-{form}"' not in page, form

        page = await done(client, case_id, "triage", {
            "indicators": ["recruitment_fees", "debt_bondage"], "severity": "medium",
        })  # fmt: skip
        # Medium was chosen: the page says at once why the case is critical instead.
        assert (
            "Triage recorded. The case is critical and a referral is recommended, whatever"
            " severity was chosen, because of: Debt bondage, Recruitment fees." in page
        )
        assert dd(page, "case-severity") == "Critical"
        assert dd(page, "case-indicators") == "Debt bondage, Recruitment fees"
        assert dd(page, "case-referral") == "Recommended · Open the referral"
        # The referral is the referral service's, linked by URL (in dev mode, its port).
        referral = f'href="http://test:{PORTS["referral"]}/console/cases/{case_id}"'
        assert f'{referral} id="referral-link"' in page
        assert not re.search(r'id="ind-unlicensed_recruiter"[^>]*checked', page)
        # Overridden with a reason, the severity chosen holds, and the notice is the plain one.
        page = await done(client, case_id, "triage", {
            "indicators": ["recruitment_fees", "debt_bondage"], "severity": "high",
            "override_reason": "The fees were repaid in full; the worker asked for no referral.",
        })  # fmt: skip
        assert '<p class="notice" role="status" id="notice">Triage recorded.</p>' in page
        assert dd(page, "case-severity") == "High"

        page = await done(client, case_id, "accept")
        assert dd(page, "case-stage") == "Verification" and 'id="form-accept"' not in page
        page = await done(client, case_id, "assign", {"officer": "officer-2"})
        assert dd(page, "case-officer") == "officer-2"
        page = await done(client, case_id, "assign", {"facilitator": "Fair Labour NGO"})
        assert dd(page, "case-facilitator") == "Fair Labour NGO"

        page = await done(client, case_id, "messages", {"text": "We are looking into it."})
        assert "Your message was sent to the worker." in page
        page = await done(client, case_id, "notes", {"text": "Call the agent on Monday."})
        assert re.search(r'class="msg officer">.*?To the worker.*?We are looking into it\.',
                         page, re.S)  # fmt: skip
        assert re.search(r'class="msg note">.*?Internal note, not shown to the worker.*?'
                         r"Call the agent on Monday\.", page, re.S)  # fmt: skip
        # What the worker writes back shows in the thread too.
        status = await open_status(platform.intake, filed["reference"], filed["secret"])
        reply = await platform.intake.post(f"/t/{TENANT}/status", data={
            "csrf": csrf_of(status.text), "do": "reply", "message": "They took 900 dollars.",
        })  # fmt: skip
        assert reply.status_code == 303, reply.text

        async def worker_reply_shown() -> bool:
            return "They took 900 dollars." in await case_page(client, case_id)

        await wait_until(worker_reply_shown)
        page = await case_page(client, case_id)
        assert re.search(r'class="msg worker">.*?From the worker.*?They took 900', page, re.S)

        page = await done(client, case_id, "advance", {"to": "response"})
        assert dd(page, "case-stage") == "Response"
        page = await done(client, case_id, "advance", {"to": "remediation_plan"})
        assert dd(page, "case-stage") == "Remediation plan"
        assert 'id="form-add-action"' in page and "Move to implementation" in page

        page = await done(client, case_id, "actions", {
            "remedy": "compensation", "owner": "member_company", "due_on": "2030-01-31",
            "description": "Repay the recruitment fees",
        })  # fmt: skip
        assert re.search(r"<th scope=\"row\" dir=\"auto\">Repay the recruitment fees</th>\s*"
                         r'<td data-label="Remedy">Compensation</td>\s*'
                         r'<td data-label="Owner">Member company</td>\s*'
                         r'<td data-label="Due">2030-01-31</td>', page)  # fmt: skip
        action_id = re.search(r'action="/console/cases/[^/]+/actions/([^"]+)"', page).group(1)
        page = await done(client, case_id, f"actions/{action_id}",
                          {"progress": "Half repaid", "evidence": "bank.pdf"})  # fmt: skip
        assert "Half repaid" in page and "Evidence: bank.pdf" in page

        page = await done(client, case_id, "advance", {"to": "implementation"})
        assert dd(page, "case-stage") == "Implementation"
        assert dd(page, "case-due") == "No due date"
        # A stage without a due date is not overdue: the case stays in the "not overdue" list.
        not_overdue = await client.get("/console", params={"overdue": "no"})
        assert f'data-case="{case_id}"' in not_overdue.text
        page = await done(client, case_id, f"actions/{action_id}",
                          {"progress": "All repaid", "done": "yes"})  # fmt: skip
        assert "All repaid" in page and f'actions/{action_id}"' not in page

        page = await done(client, case_id, "close", {"outcome": "resolved", "satisfaction": "4"})
        assert dd(page, "case-status") == "Closed"
        assert dd(page, "case-outcome") == "Resolved"
        assert dd(page, "case-satisfaction") == "4 out of 5"
        page = await done(client, case_id, "satisfaction", {"score": "5"})
        assert dd(page, "case-satisfaction") == "5 out of 5"
        page = await done(client, case_id, "lessons", {
            "text": "Check agents' fees at audit", "tags": " fees, agents ,, ",
        })  # fmt: skip
        assert dd(page, "case-stage") == "Lessons learned"
        assert "Check agents&#39; fees at audit" in page and "Tags: fees, agents" in page
        page = await done(client, case_id, "reopen", {"reason": "The worker was charged again"})
        assert dd(page, "case-status") == "Open" and dd(page, "case-stage") == "Verification"

        types = await platform.log_types(case_id)
        for kind in ("CaseTriaged", "ReferralRecommended", "OfficerAssigned",
                     "FacilitatorAssigned", "MessageSentToWorker", "InternalNoteAdded",
                     "PlanActionAdded", "PlanActionUpdated", "CaseClosed",
                     "SatisfactionRecorded", "LessonsLearned", "CaseReopened"):  # fmt: skip
            assert kind in types, kind
        # The timeline is drawn from the events.
        timeline = page[page.index('id="events"') :]
        for entry in ("Case opened", "Case triaged", "Stage entered", "Plan action added",
                      "Case closed", "Lessons learned", "Case reopened"):  # fmt: skip
            assert f"<strong>{entry}</strong>" in timeline, entry
        # The worker's words are never in the timeline, only in the thread.
        assert "We are looking into it." not in timeline

        # Rejecting another grievance, with grounds.
        other = (await file_grievance(platform, "other"))["case_id"]
        page = await done(client, other, "reject", {
            "grounds": "out_of_scope", "explanation": "Not a supplier of ours",
        })  # fmt: skip
        assert dd(page, "case-status") == "Rejected" and 'id="form-reopen"' in page
        assert "CaseRejected" in await platform.log_types(other)


async def test_refused_and_invalid_commands_show_the_case_with_the_reason(platform):
    case_id = (await file_grievance(platform))["case_id"]
    async with officer(platform) as client:
        await done(client, case_id, "accept")
        before = await versions(platform, case_id)

        async def refused(action: str, data: dict | None, status: int, reason: str) -> None:
            answer = await submit(client, case_id, action, data)
            assert answer.status_code == status, (action, answer.text)
            assert answer.headers["content-type"].startswith("text/html")
            assert reason in alert(answer.text), alert(answer.text)
            assert f'action="/console/cases/{case_id}/' in answer.text  # the page, re-rendered
            assert await versions(platform, case_id) == before

        await refused("accept", None, 409, "this can be done at admissibility")
        await refused("advance", {"to": "implementation"}, 409, "cannot move from")
        await refused("triage", {"indicators": ["astrology"], "severity": "low"}, 422,
                      "Indicators")  # fmt: skip
        await refused("close", {"outcome": "resolved"}, 409, "this can be done at response")
        await refused("lessons", {"text": "x"}, 409, "once the case is closed")
        await refused("reopen", {"reason": "x"}, 409, "only a closed or rejected case")
        await refused("triage", {"severity": "apocalyptic"}, 422, "Severity")
        await refused("assign", {"officer": "a", "facilitator": "b"}, 422,
                      "give either an officer or a facilitator")  # fmt: skip
        await refused("messages", {"text": "   "}, 422, "Text")
        await refused("advance", {}, 422, "To: left empty: it is needed")
        await done(client, case_id, "advance", {"to": "response"})
        await done(client, case_id, "advance", {"to": "remediation_plan"})
        before = await versions(platform, case_id)
        await refused("advance", {"to": "implementation"}, 409,
                      "the remediation plan needs at least one action")  # fmt: skip
        await refused("actions", {"remedy": "apology", "owner": "supplier",
                                  "due_on": "someday", "description": "Say sorry"},
                      422, "Due on")  # fmt: skip
        await refused("actions", {"remedy": "apology", "owner": "supplier",
                                  "due_on": "2020-01-01", "description": "Say sorry"},
                      422, "an action is due today")  # fmt: skip
        no_description = {"remedy": "apology", "owner": "supplier", "due_on": "2030-01-01"}
        await refused("actions", no_description, 422, "Description: left empty: it is needed")
        await refused("actions/no-such-action", {"progress": "x"}, 409,
                      "there is no such action in the plan")  # fmt: skip


async def test_a_form_past_the_size_limit_is_a_console_page_and_records_nothing(platform):
    """Over 1 MB, declared or counted as it comes, a form is refused with 413 as a page of the
    console (with its way back), on the officers' and on the members' console alike."""
    case_id = (await file_grievance(platform))["case_id"]
    before = await versions(platform, case_id)
    async with officer(platform) as client:
        token = csrf_of(await case_page(client, case_id))
        declared = await client.post(
            f"/console/cases/{case_id}/notes", data={"csrf": token, "text": "x" * 1_100_000}
        )

        async def streamed():  # no length declared: counted as it is read
            yield f"csrf={token}&text=".encode()
            for _ in range(11):
                yield b"x" * 100_000

        counted = await client.post(
            f"/console/cases/{case_id}/notes", content=streamed(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        member = await client.post("/member/cases/x/notes", content=b"x" * 1_100_000)
    for answer in (declared, counted, member):
        assert answer.status_code == 413 and refusal(answer) == "too-large", answer.text[:300]
        assert "<h1>Too large</h1>" in answer.text
    assert await versions(platform, case_id) == before


async def test_what_an_officer_typed_is_kept_when_the_form_is_refused(platform):
    case_id = (await file_grievance(platform))["case_id"]
    async with officer(platform) as client:
        typed = "The HR manager called the worker twice <after> the audit: severity is lower."
        data = {"indicators": ["astrology"], "severity": "low", "override_reason": typed}
        answer = await submit(client, case_id, "triage", data)
        assert answer.status_code == 422  # an unknown indicator: refused
        kept = re.search(
            r'<textarea [^>]*id="triage-override"[^>]*>([^<]*)</textarea>', answer.text
        )
        assert kept and kept.group(1) == typed.replace("<", "&lt;").replace(">", "&gt;")
        # Only in the form that failed: another form of the page starts empty.
        assert re.search(r'<textarea [^>]*id="note-text"[^>]*></textarea>', answer.text)


ROUTES = ["triage", "accept", "reject", "advance", "actions", "actions/some-action", "assign",
          "messages", "notes", "close", "satisfaction", "lessons", "reopen", "findings",
          "verification", "response", "corrections", "review", "remedies",
          "actions/some-action/waive"]  # fmt: skip
FORM = {"indicators": ["debt_bondage"], "severity": "high", "grounds": "duplicate",
        "to": "response", "remedy": "apology", "owner": "supplier", "due_on": "2030-01-01",
        "description": "x", "progress": "x", "officer": "mallory", "text": "x",
        "outcome": "referred", "score": "3", "reason": "x"}  # fmt: skip


@pytest.mark.parametrize("route", ROUTES)
async def test_every_form_is_csrf_protected(platform, route):
    case_id = (await file_grievance(platform))["case_id"]
    # Another browser's token fits another cookie: it must not pass either.
    async with officer(platform) as client, browser_for(platform) as stranger:
        own = csrf_of(await case_page(client, case_id))
        foreign = csrf_of((await stranger.get("/console/login")).text)
        assert foreign != own
        before = await versions(platform, case_id)
        for forged in ({"csrf": foreign}, {"csrf": "f" * 64}, {}):
            answer = await client.post(f"/console/cases/{case_id}/{route}", data=FORM | forged)
            assert answer.status_code == 403, (route, answer.text)
            assert refusal(answer) == "csrf"
            assert "reload it and try again" in alert(answer.text)
        assert await versions(platform, case_id) == before


async def test_a_form_sent_twice_changes_the_case_once(platform):
    """A double click, or a browser that sends the form again: the worker gets one message."""
    case_id = (await file_grievance(platform))["case_id"]
    async with officer(platform) as client:
        token = csrf_of(await case_page(client, case_id))
        before = await versions(platform, case_id)
        form = {"csrf": token, "text": "We will call you on Monday."}
        answers = await asyncio.gather(*(
            client.post(f"/console/cases/{case_id}/messages", data=form) for _ in range(3)
        ))  # fmt: skip
        assert sorted(a.status_code for a in answers) == [303, 409, 409]
        again = next(a for a in answers if a.status_code == 409)
        assert refusal(again) == "form-already-sent"
        assert "already sent" in alert(again.text)
        # Another form of the same page is its own: sent once too (a page of many forms,
        # used through the Back button or a second tab, loses nothing typed into it).
        note = {"csrf": token, "text": "Call the agent on Monday."}
        answers = [await client.post(f"/console/cases/{case_id}/notes", data=note)
                   for _ in range(2)]  # fmt: skip
        assert [a.status_code for a in answers] == [303, 409]
        assert await versions(platform, case_id) == before + 2  # the message, the note
        # The page opened again sends its forms as before.
        assert (await submit(client, case_id, "notes", {"text": "Sent once."})).status_code == 303


# -- who may use the console ------------------------------------------------------------------


async def test_members_and_other_staff_cannot_use_the_console(platform):
    case_id = (await file_grievance(platform))["case_id"]
    path = f"/console/cases/{case_id}"

    for token in (platform.member(), platform.token(("operator",)), platform.token(("partner",))):
        async with browser_for(platform) as client:
            refused = await log_in(client, bearer(token))
            assert refused.status_code == 403, refused.text
            assert "may not read cases" in alert(refused.text)
            assert "staff_token" not in refused.headers.get("set-cookie", "")
            # A member's token slipped into the cookie opens nothing either.
            client.cookies.set("staff_token", bearer(token), path="/console")
            for answer in (await client.get("/console"), await client.get(path)):
                assert answer.status_code == 403 and refusal(answer) == "forbidden"

    # Another tenant's officer logs in to their own tenant, and never sees acme's case.
    async with officer(platform, tenant="globex", sub="globex-officer") as client:
        queue = await client.get("/console")
        assert queue.status_code == 200 and case_id not in queue.text
        assert "No cases match" in queue.text
        hidden = await client.get(path)
        assert hidden.status_code == 404 and refusal(hidden) == "not-found"
        assert "Back to the queue" in hidden.text
        # Whatever the version asked for: refused before any wait (which would last 5 s).
        for version in (1, 10_000):
            started = time.monotonic()
            hidden = await client.get(path, params={"min_version": version})
            assert hidden.status_code == 404 and time.monotonic() - started < 2.5
        before = await versions(platform, case_id)

        async def token() -> str:  # a page's forms are sent once: a page for each
            return csrf_of((await client.get("/console")).text)

        for route in ("accept", "notes"):
            answer = await client.post(f"{path}/{route}", data={"csrf": await token(), "text": "x"})
            assert answer.status_code == 404, answer.text
        invalid = await client.post(f"{path}/triage",
                                    data={"csrf": await token(), "severity": "bad"})  # fmt: skip
        assert invalid.status_code == 404, "bad input must not reveal another tenant's case"
        assert await versions(platform, case_id) == before

    # An MSI admin configures the initiative and reads no case: the console says so, and a
    # token slipped into the cookie opens neither the case nor its forms.
    admin = bearer(platform.token(roles=("admin",), sub="admin-1"))
    async with browser_for(platform) as client:
        refused = await log_in(client, admin)
        assert refused.status_code == 403 and "reads no case" in alert(refused.text)
        client.cookies.set("staff_token", admin, path="/console")
        page = await client.get(path)
        assert page.status_code == 403 and NARRATIVE not in page.text
        answer = await client.post(f"{path}/accept", data={"csrf": csrf_of(refused.text)})
        assert answer.status_code == 403 and refusal(answer) == "forbidden"
        assert await versions(platform, case_id) == 2

    # A supervisor reads and manages every case of the tenant.
    async with officer(platform, roles=("supervisor",), sub="supervisor-1") as client:
        page = await case_page(client, case_id)
        assert NARRATIVE in page and 'id="form-' in page


async def test_the_login_cookie_is_secure_behind_a_trusted_proxy_saying_https(platform):
    runtime = platform.cases_app.state.runtime
    runtime.settings = runtime.settings.model_copy(update={"trusted_proxies": ["203.0.113.0/24"]})
    https = {"X-Forwarded-Proto": "https"}

    async def login_cookie(client: httpx.AsyncClient) -> str:
        page = await client.get("/console/login", headers=https)
        # Sent back by hand: a client's jar keeps a Secure cookie from http://test, as it
        # should; the browser behind the proxy speaks https.
        csrf_cookie = page.headers["set-cookie"].split(";")[0]
        answer = await client.post(
            "/console/login",
            data={"csrf": csrf_of(page.text), "token": bearer(platform.token())},
            headers={**https, "Cookie": csrf_cookie},
        )
        assert answer.status_code == 303, answer.text
        (cookie,) = [c for c in answer.headers.get_list("set-cookie") if "staff_token" in c]
        return cookie.lower()

    async with browser_for(platform) as proxied:  # the test client's address is the proxy's
        assert "; secure" in await login_cookie(proxied)
    transport = httpx.ASGITransport(app=platform.cases_app, client=("198.51.100.9", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as forger:
        assert "; secure" not in await login_cookie(forger)


async def test_an_address_nothing_answers_is_a_page_of_its_console(platform):
    """A typo or an old link under a console is a page with its way back, never JSON; the
    API keeps problem+json."""
    async with officer(platform) as client:
        for path in ("/console/cases", "/console/queue", "/member/nowhere"):
            answer = await client.get(path)
            assert answer.status_code == 404 and refusal(answer) == "not-found", path
            assert "<h1>Not found</h1>" in answer.text
        api = await client.get("/v1/nowhere")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"


async def test_a_refused_rejection_keeps_the_grounds_chosen(platform):
    """Sent again as it came back, a refused form must say what was chosen in it: a
    duplicate that names no case does not come back as "out of scope", ready to reject the
    grievance on grounds nobody chose."""
    case_id = (await file_grievance(platform))["case_id"]
    async with officer(platform) as client:
        refused = await submit(client, case_id, "reject",
                               {"grounds": "duplicate", "explanation": "Filed twice"})  # fmt: skip
    assert refused.status_code == 422, refused.text
    assert '<option value="duplicate" selected>' in refused.text
    assert '<option value="withdrawn_by_worker"' not in refused.text  # the worker's alone
