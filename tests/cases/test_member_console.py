"""The member console over HTTP: a member company's person logs in at /member, sees the cases
of its own supply chain redacted (never what the worker wrote, their contact or identity, the
severity, indicators, referral, officer or notes, even where the worker consented to the
company knowing), what is new to them and which of the company's actions fall due; reports
progress on its own actions and adds actions for itself or its supplier through the API's
handlers. Bad input shows the page with the field marked and writes nothing; another
member, a member token without an organisation, and staff get nothing here.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx

from redress.cases.policies import case_stream
from redress.cases.reads import reads_stream
from tests.cases.test_authz import GRIEVANCE, file_case, listed, officer_post, read_back
from tests.cases.test_console import bearer, browser_for, csrf_of, officer, refusal
from tests.cases.test_supply_chain_console import alert, invalid
from tests.events.helpers import wait_until

SOON = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
NOTE = "The agent was named in an earlier case."
SECRETS = (GRIEVANCE["narrative"], GRIEVANCE["contact"]["name"],
           GRIEVANCE["contact"]["phone_or_email"], NOTE, "Critical", "critical",
           "Document retention", "document_retention", "officer-1", "Referral", "referral",
           "Case triaged")  # fmt: skip


async def member_log_in(client: httpx.AsyncClient, token: str) -> httpx.Response:
    page = await client.get("/member/login")
    assert page.status_code == 200, page.text
    return await client.post("/member/login", data={"csrf": csrf_of(page.text), "token": token})


@contextlib.asynccontextmanager
async def member(platform, org: str = "acme-apparel") -> AsyncIterator[httpx.AsyncClient]:
    async with browser_for(platform) as client:
        answer = await member_log_in(client, bearer(platform.member(org)))
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/member"
        assert "path=/member" in answer.headers["set-cookie"].lower()
        yield client


async def case_with_a_plan(platform) -> tuple[str, dict[str, str]]:
    """A case at acme-apparel's site, the worker consenting to the company knowing who they
    are, triaged critical, with a note, at the plan: the company's action due in three days,
    the MSI's too, and the company's next one in 2030. Its action ids by description."""
    case_id = await file_case(platform, consent=True)
    for path, body in [
        ("/triage", {"indicators": ["document_retention"], "severity": "medium"}),
        ("/assign", {"officer": "officer-1"}),
        ("/notes", {"text": NOTE}),
        ("/accept", {}),
        ("/advance", {"to": "response"}),
        ("/advance", {"to": "remediation_plan"}),
    ]:
        await officer_post(platform, case_id, path, body)
    for owner, due_on, description in [
        ("member_company", SOON, "Repay the recruitment fees"),
        ("msi", SOON, "Visit the site unannounced"),
        ("member_company", "2030-01-31", "Train the recruitment agents"),
    ]:
        written = await officer_post(platform, case_id, "/actions", {
            "remedy": "training", "owner": owner, "due_on": due_on,
            "description": description})  # fmt: skip
    plan = await read_back(platform, case_id, written["version"])
    return case_id, {a["description"]: a["action_id"] for a in plan["actions"]}


async def versions(platform, case_id: str) -> int:
    return len(await platform.system.store.read_stream(case_id))


async def test_a_member_sees_its_supply_chain_redacted_with_what_is_new_and_due(platform):
    case_id, actions = await case_with_a_plan(platform)
    elsewhere = await file_case(platform, site_id="pp-2")  # no member's site
    reads = len(await platform.system.store.read_stream(reads_stream(case_id)))
    async with member(platform) as client:
        home = (await client.get("/member")).text
        assert "1 case filed since you last marked them seen" in home
        new = re.search(r'<ul id="new-cases">(.*?)</ul>', home, re.S).group(1)
        assert case_id in new and elsewhere not in home
        due = re.search(r'<table id="due-actions"[^>]*>(.*?)</table>', home, re.S).group(1)
        assert "Repay the recruitment fees" in due and SOON in due
        assert "Visit the site unannounced" not in due  # the MSI's
        assert "Train the recruitment agents" not in due  # not due for years
        assert f'data-case="{case_id}"' in home
        # The member's figures are the metrics service's dashboard, linked by URL.
        assert re.search(r'href="http://[^"]+:\d+/dashboard/acme/member"', home)

        page = await client.get(f"/member/cases/{case_id}")
        assert page.status_code == 200
        content = re.sub(r"<style>.*?</style>", "", page.text, flags=re.S)  # the shared CSS
        # Days, never the minute a worker's report came in, nor when anything after it happened.
        assert re.search(r"<dt>Filed</dt><dd>\d{4}-\d{2}-\d{2}</dd>", content)
        happened = re.findall(r'<span class="meta">· ([^·]*) · by', content)
        assert happened and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", t) for t in happened)
        assert re.search(r"filed \d{4}-\d{2}-\d{2} ·", new)
        shown = [s for s in SECRETS if s in content]
        assert not shown, f"the member console shows {shown}"
        for description in actions:  # the whole plan, each with its owner
            assert description in page.text
        assert "PlanActionAdded" not in page.text and "Plan action added" in page.text
        # Only the company's own open actions take its progress.
        forms = set(re.findall(r'id="form-progress-([0-9a-f-]+)"', page.text))
        assert forms == {actions["Repay the recruitment fees"],
                         actions["Train the recruitment agents"]}  # fmt: skip

        # Marked as seen, the case is no longer new; the next one filed is.
        mark = re.search(r'name="mark" value="([^"]+)"', home).group(1)
        seen = await client.post("/member/seen", data={"csrf": csrf_of(home), "mark": mark})
        assert seen.status_code == 303 and seen.headers["location"] == "/member?done=seen"
        home = (await client.get(seen.headers["location"])).text
        assert "Marked as seen" in home and "No new case since you last marked" in home
        later = await file_case(platform)
        home = (await client.get("/member")).text
        assert "1 case filed since" in home and later in home.split('id="new-cases"')[1]
    # Nothing personal was shown: no read of the worker's data recorded.
    assert len(await platform.system.store.read_stream(reads_stream(case_id))) == reads
    # Another person of the company has seen nothing yet.
    other = platform.token(("member",), org="acme-apparel", sub="acme-apparel-buyer")
    async with browser_for(platform) as client:
        await member_log_in(client, bearer(other))
        assert "2 cases filed since" in (await client.get("/member")).text


async def test_a_member_acts_on_its_own_actions_and_bad_input_writes_nothing(platform):
    case_id, actions = await case_with_a_plan(platform)
    own, msi = actions["Repay the recruitment fees"], actions["Visit the site unannounced"]
    base = f"/member/cases/{case_id}"
    async with member(platform) as client:
        page = (await client.get(base)).text
        csrf = csrf_of(page)
        before = await versions(platform, case_id)
        for action, data, status, marked in [
            (f"{base}/actions/{own}", {"progress": " "}, 422, {f"progress-{own}-progress"}),
            (f"{base}/actions/{msi}", {"progress": "Visited"}, 403, set()),
            (f"{base}/actions/unknown", {"progress": "Visited"}, 404, set()),
            (f"{base}/actions", {"remedy": "training", "owner": "msi", "due_on": SOON,
                                 "description": "x"}, 422, {"add-owner"}),
            (f"{base}/actions", {"remedy": "training", "owner": "facilitator", "due_on": SOON,
                                 "description": "x"}, 422, {"add-owner"}),
            (f"{base}/actions", {"remedy": "training", "owner": "supplier", "due_on": SOON,
                                 "description": "  "}, 422, {"add-description"}),
            (f"{base}/actions", {"remedy": "training", "owner": "supplier",
                                 "due_on": "2030-02-30", "description": "x"}, 422,
             {"add-due-on"}),
            (f"{base}/actions", {"remedy": "bribe", "owner": "supplier", "due_on": SOON,
                                 "description": "x"}, 422, {"add-remedy"}),
            (f"{base}/actions", {"remedy": "bribe", "owner": "msi", "due_on": "",
                                 "description": ""}, 422,
             {"add-remedy", "add-owner", "add-due-on", "add-description"}),
        ]:  # fmt: skip
            answer = await client.post(action, data={"csrf": csrf, **data})
            assert answer.status_code == status, (action, data, answer.text)
            assert "was refused" in alert(answer.text), (action, data)
            assert invalid(answer.text) == marked, (data, invalid(answer.text))
        blank = await client.post(f"{base}/actions/{own}", data={"csrf": csrf, "progress": " "})
        assert "Progress: left empty: it is needed" in blank.text  # not pydantic's words
        kept = await client.post(f"{base}/actions", data={
            "csrf": csrf, "remedy": "apology", "owner": "msi", "due_on": SOON,
            "description": "Kept <as typed>"})  # fmt: skip
        assert "Kept &lt;as typed&gt;</textarea>" in kept.text
        bad_mark = await client.post("/member/seen", data={"csrf": csrf, "mark": "1~nope"})
        assert bad_mark.status_code == 422 and "was refused" in alert(bad_mark.text)
        for forged in ({"csrf": "f" * 64}, {}):
            answer = await client.post(f"{base}/actions/{own}", data={"progress": "x", **forged})
            assert answer.status_code == 403 and refusal(answer) == "csrf"
        assert await versions(platform, case_id) == before

        progress = {"progress": "Half of the fees repaid", "evidence": "receipts.pdf"}
        reported = await client.post(f"{base}/actions/{own}", data={"csrf": csrf, **progress})
        assert reported.status_code == 303, reported.text
        assert reported.headers["location"].startswith(f"{base}?done=progress&")
        page = (await client.get(reported.headers["location"])).text
        assert "Your progress on the action was recorded." in page
        assert "Half of the fees repaid" in page and "receipts.pdf" in page
        added = await client.post(f"{base}/actions", data={  # the new page's forms
            "csrf": csrf_of(page), "remedy": "policy_change", "owner": "supplier", "due_on": SOON,
            "description": "Stop charging recruitment fees"})  # fmt: skip
        assert added.status_code == 303, added.text
        page = (await client.get(added.headers["location"])).text
        assert "The action was added to the plan." in page
        assert "Stop charging recruitment fees" in page
    types = await platform.log_types(case_id)
    assert types[-2:] == ["PlanActionUpdated", "PlanActionAdded"]

    # Another member company reaches nothing of it, and writes nothing.
    before = await versions(platform, case_id)
    async with member(platform, "globex-garments") as client:
        assert case_id not in (await client.get("/member")).text
        hidden = await client.get(base)
        assert hidden.status_code == 404 and refusal(hidden) == "not-found"
        csrf = csrf_of((await client.get("/member")).text)
        for action, data in [(f"{base}/actions/{own}", {"progress": "x"}),
                             (f"{base}/actions", {"remedy": "bad"})]:  # fmt: skip
            answer = await client.post(action, data={"csrf": csrf, **data})
            assert answer.status_code == 404, answer.text
    assert await versions(platform, case_id) == before


async def test_only_member_companies_with_an_organisation_log_in(platform):
    async with browser_for(platform) as client:
        away = await client.get("/member")
        assert away.status_code == 303 and away.headers["location"] == "/member/login"
        for token in (platform.token(), platform.token(("member",), sub="nobody"),
                      platform.token(("admin",), sub="admin-1")):  # fmt: skip
            refused = await member_log_in(client, bearer(token))
            assert refused.status_code == 403, refused.text
            assert "not a member company" in refused.text
            assert "staff_token" not in refused.headers.get("set-cookie", "")
            client.cookies.set("staff_token", bearer(token), path="/member")
            answer = await client.get("/member")
            assert answer.status_code == 403 and refusal(answer) == "forbidden"
            client.cookies.clear()
    # A member at the officers' console is sent to its own.
    async with browser_for(platform) as client:
        page = await client.get("/console/login")
        refused = await client.post("/console/login", data={
            "csrf": csrf_of(page.text), "token": bearer(platform.member())})  # fmt: skip
        assert refused.status_code == 403 and "/member/login" in refused.text
    async with member(platform) as client:
        home = await client.get("/member")
        assert (await client.get("/console")).status_code == 303  # its cookie stays at /member
        out = await client.post("/member/logout", data={"csrf": csrf_of(home.text)})
        assert out.status_code == 303 and out.headers["location"] == "/member/login?done=out"
        assert (await client.get("/member")).status_code == 303


def owners_shown(html: str, table: str = "actions") -> dict[str, str]:
    """Each action's description and who does it, as the plan's table of a page says."""
    body = re.search(rf'<table id="{table}"[^>]*>(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r"<tr[^>]*>\s*<th scope=\"row\"[^>]*>(.*?)</th>(.*?)</tr>", body, re.S)
    cells = {
        re.sub(r"<[^>]+>.*", "", d).strip(): re.findall(r"<td[^>]*>(.*?)</td>", r) for d, r in rows
    }
    return {d: c[1] if table == "actions" else c[0] for d, c in cells.items()}


async def test_every_owner_of_an_action_reads_in_each_consoles_words(platform):
    """The initiative's own action is the initiative's, never the log's `msi`; a member
    reads its own actions as its company's, the others' as the supplier's and the
    facilitator's. The timeline says the same."""
    case_id, _ = await case_with_a_plan(platform)
    await officer_post(platform, case_id, "/assign", {"facilitator": "fair-remedy"})
    for owner in ("supplier", "facilitator"):
        written = await officer_post(platform, case_id, "/actions", {
            "remedy": "training", "owner": owner, "due_on": "2030-01-31",
            "description": f"An action of the {owner}"})  # fmt: skip
    await read_back(platform, case_id, written["version"])
    officer_words = {"Repay the recruitment fees": "Member company",
                     "Visit the site unannounced": "The initiative",
                     "An action of the supplier": "Supplier",
                     "An action of the facilitator": "Facilitator"}  # fmt: skip
    member_words = {**officer_words, "Repay the recruitment fees": "Your company",
                    "An action of the supplier": "The supplier",
                    "An action of the facilitator": "The facilitator"}  # fmt: skip
    async with officer(platform) as client:
        page = (await client.get(f"/console/cases/{case_id}")).text
        shown = owners_shown(page)
        assert {d: shown[d] for d in officer_words} == officer_words
        assert ">The initiative</option>" in page
        assert "Owner: The initiative" in page  # the timeline's entry
        issue = await platform.cases.post(
            "/v1/systemic-issues", headers=platform.token(),
            json={"title": "Fees", "case_ids": [case_id]},
        )  # fmt: skip
        issue_id = issue.json()["stream"]
        planned = await platform.cases.post(
            f"/v1/systemic-issues/{issue_id}/actions",
            headers=platform.token(),
            json={"description": "Audit the agents", "owner": "msi", "due_on": "2030-01-31"},
        )
        assert planned.status_code == 200, planned.text
        issue_page = (await client.get(f"/console/systemic-issues/{issue_id}")).text
        assert owners_shown(issue_page, "issue-actions") == {"Audit the agents": "The initiative"}
        for html in (page, issue_page):
            assert "Msi" not in html and ">msi<" not in html
    async with member(platform) as client:
        page = (await client.get(f"/member/cases/{case_id}")).text
        shown = owners_shown(page)
        assert {d: shown[d] for d in member_words} == member_words
        assert "Owner: The initiative" in page and "Msi" not in page


async def test_a_member_finds_the_case_of_a_report_it_filed_by_its_grievance_id(platform):
    # Three reports at the company's site the same day; the company filed one of them itself
    # (without the worker's consent to it knowing who they are) and finds that one's case.
    for _ in range(2):
        await file_case(platform)
    filed = await platform.intake.post(
        "/v1/grievances", json=GRIEVANCE | {"member_reference": "ACME-2026-002"},
        headers=platform.member(),
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    grievance_id = filed.json()["grievance_id"]
    case_id = case_stream(grievance_id)
    await wait_until(lambda: listed(platform, case_id))
    found = await platform.cases.get(
        "/v1/cases", params={"grievance_id": grievance_id}, headers=platform.member()
    )
    assert found.status_code == 200, found.text
    assert [c["case_id"] for c in found.json()["items"]] == [case_id]
    assert "grievance_id" not in found.json()["items"][0]  # still not shown to members
    # Another member does not find it (not its supply chain); a malformed id is refused.
    other = await platform.cases.get(
        "/v1/cases", params={"grievance_id": grievance_id},
        headers=platform.member("globex-garments"),
    )  # fmt: skip
    assert other.status_code == 200 and other.json()["items"] == []
    # An organisation the initiative has not admitted is told so, as its filings are: an
    # empty list would read as a supply chain with no cases.
    stranger = await platform.cases.get("/v1/cases", headers=platform.member("not-admitted"))
    assert stranger.status_code == 403, stranger.text
    assert stranger.json()["type"] == "urn:redress:problem:not-a-member"
    bad = await platform.cases.get(
        "/v1/cases", params={"grievance_id": "ACME-2026-002"}, headers=platform.member()
    )
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"

    async with member(platform) as client:
        home = await client.get("/member", params={"grievance_id": grievance_id})
        assert home.status_code == 200, home.text
        listed_cases = re.search(r'<table id="member-cases"[^>]*>(.*?)</table>', home.text, re.S)
        assert re.findall(r'data-case="([^"]+)"', listed_cases.group(1)) == [case_id]
        assert f'value="{grievance_id}"' in home.text  # the field keeps what was typed
        wrong = await client.get("/member", params={"grievance_id": "ACME-2026-002"})
        assert wrong.status_code == 422 and "grievance_id" in wrong.text
    async with member(platform, "not-admitted") as client:
        home = await client.get("/member")
        assert home.status_code == 403 and "not a member of this initiative" in home.text
