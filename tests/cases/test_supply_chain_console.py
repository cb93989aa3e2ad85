"""Suppliers and systemic issues in the officer console, over HTTP: an officer groups
underage-labour grievances into an issue by ticking them and by their short ids, plans, then
suspends and exits the supplier, each form running the API's handler; bad input shows the
page with the wrong field marked and writes nothing; only staff reach the pages, only
within their tenant."""

from __future__ import annotations

import re

from markupsafe import escape

from redress.kit.console import short
from tests.cases.test_console import bearer, browser_for, csrf_of, officer, refusal
from tests.cases.test_supply_chain import EXIT_STEPS, SUSPENSION_STEPS, filed
from tests.events.helpers import wait_until

NEW_ISSUE = "/console/systemic-issues/new?site_id=dhaka-1&category=child_labour"


def invalid(html: str) -> set[str]:
    """The ids of the fields a page marks as wrong (a group of boxes: its fieldset), each
    with its message beside it."""
    marked = set(re.findall(r'id="([a-z0-9-]+)"[^>]*aria-invalid="true"', html))
    said = set(re.findall(r'id="([a-z0-9-]+)-error"', html))
    assert marked <= said, marked - said
    boxes = {s for s in said if s.endswith("-case-ids")}
    assert said - boxes == marked
    return said


def alert(html: str) -> str:
    found = re.search(r'role="alert"[^>]*>(.*?)</div>', html, re.S)
    return re.sub(r"<[^>]+>", " ", found.group(1)) if found else ""


async def post(client, page: str, action: str, data: dict):
    """Send a form of `page` with the page's own CSRF token."""
    shown = await client.get(page)
    assert shown.status_code == 200, shown.text
    return await client.post(action, data={"csrf": csrf_of(shown.text), **data})


async def events(platform) -> int:
    return await platform.system.pool.fetchval("SELECT count(*) FROM eventlog.events")


async def test_an_officer_groups_the_grievances_plans_and_exits_the_supplier(platform):
    case_ids = await filed(platform, 3)
    async with officer(platform) as client:
        listed = await client.get("/console/suppliers")
        assert listed.status_code == 200
        row = re.search(r'<tr data-site="dhaka-1">(.*?)</tr>', listed.text, re.S).group(1)
        assert "<td>3</td>" in row and "No consequence" in row

        page = await client.get(NEW_ISSUE)
        assert all(f'value="{c}"' in page.text for c in case_ids)
        opened = await post(client, NEW_ISSUE, "/console/systemic-issues", {
            "title": "Underage workers at Dhaka 1", "site_id": "dhaka-1",
            "category": "child_labour", "case_ids": case_ids[:2]})  # fmt: skip
        assert opened.status_code == 303, opened.text
        where = opened.headers["location"]
        assert re.fullmatch(r"/console/systemic-issues/systemic-[0-9a-f-]+\?done=open", where)
        issue = where.split("?")[0]
        shown = (await client.get(where)).text
        assert "The systemic issue was opened." in shown
        assert "2 linked grievances" in shown and f'value="{case_ids[2]}"' in shown

        # The third by the eight characters the console shows of it.
        linked = await post(client, issue, f"{issue}/cases", {"other_cases": short(case_ids[2])})
        assert linked.status_code == 303, linked.text
        shown = (await client.get(linked.headers["location"])).text
        assert "3 linked grievances" in shown
        assert all(f'href="/console/cases/{c}"' in shown for c in case_ids)
        planned = await post(client, issue, f"{issue}/actions", {
            "description": "Age checks at the gate", "owner": "supplier",
            "due_on": "2031-01-15"})  # fmt: skip
        assert planned.status_code == 303, planned.text
        shown = (await client.get(planned.headers["location"])).text
        assert "Age checks at the gate" in shown and "2031-01-15" in shown

        supplier = "/console/suppliers/dhaka-1"
        issue_id = issue.rsplit("/", 1)[1]
        suspended = await post(client, supplier, f"{supplier}/consequences", {
            "consequence": "suspension", "reasons": "Children found working at night",
            "steps": "\n".join(SUSPENSION_STEPS), "issue_id": issue_id})  # fmt: skip
        assert suspended.status_code == 303, suspended.text
        shown = (await client.get(suspended.headers["location"])).text
        assert "The consequence was recorded." in shown
        assert all(str(escape(step)) in shown for step in SUSPENSION_STEPS)
        assert "The 3 grievances that led to it" in shown
        # After a suspension: lifted, or an exit; nothing else is offered.
        offered = re.findall(r'<option value="([a-z_]+)"', shown.split('id="form-consequence"')[1])
        assert offered[:2] == ["exit", "reinstatement"]
        exited = await post(client, supplier, f"{supplier}/consequences", {
            "consequence": "exit", "reasons": "Children still found after the suspension",
            "steps": "\n".join(EXIT_STEPS), "case_ids": case_ids})  # fmt: skip
        assert exited.status_code == 303, exited.text
        shown = (await client.get(supplier)).text
        assert re.search(r'id="supplier-standing">Exited', shown)
        assert 'id="form-consequence"' not in shown and "nothing more can be decided" in shown

        async def counted() -> bool:
            page = (await client.get("/console/suppliers")).text
            return "Exited: <strong>1</strong>" in page

        await wait_until(counted, timeout=30)
        issues = (await client.get("/console/systemic-issues")).text
        assert "Underage workers at Dhaka 1" in issues and "<td>3</td>" in issues
    history = (await platform.cases.get("/v1/suppliers/dhaka-1", headers=platform.token())).json()
    assert [c["consequence"] for c in history["consequences"]] == ["suspension", "exit"]
    assert history["consequences"][0]["steps"] == SUSPENSION_STEPS


async def test_bad_input_marks_the_field_and_writes_nothing(platform):
    [case_id] = await filed(platform, 1)
    async with officer(platform) as client:
        opened = await post(client, NEW_ISSUE, "/console/systemic-issues", {
            "title": "Underage workers", "site_id": "dhaka-1", "case_ids": [case_id]})  # fmt: skip
        issue = opened.headers["location"].split("?")[0]
        supplier = "/console/suppliers/dhaka-1"
        before = await events(platform)
        for page, action, data, status, marked in [
            (NEW_ISSUE, "/console/systemic-issues", {"title": " ", "case_ids": [case_id]}, 422,
             {"open-title"}),
            (NEW_ISSUE, "/console/systemic-issues", {"title": "t", "other_cases": "deadbeef"},
             422, {"open-other-cases"}),
            (NEW_ISSUE, "/console/systemic-issues", {"title": "t"}, 422, {"open-case-ids"}),
            (issue, f"{issue}/cases", {"case_ids": [case_id]}, 409, set()),
            (issue, f"{issue}/cases", {"other_cases": "case-nope"}, 422, {"link-other-cases"}),
            (issue, f"{issue}/actions", {"description": "x", "owner": "supplier",
                                         "due_on": "2030-13-45"}, 422, {"action-due-on"}),
            (issue, f"{issue}/actions", {"description": "x", "owner": "nobody"}, 422,
             {"action-owner"}),
            (supplier, f"{supplier}/consequences", {"consequence": "suspension", "reasons": " ",
             "steps": "s", "case_ids": [case_id]}, 422, {"consequence-reasons"}),
            (supplier, f"{supplier}/consequences", {"consequence": "exit", "reasons": "r",
             "case_ids": [case_id]}, 422, {"consequence-steps"}),
            (supplier, f"{supplier}/consequences", {"consequence": "ban", "reasons": "r"}, 422,
             {"consequence-consequence"}),
            (supplier, f"{supplier}/consequences", {"consequence": "reinstatement",
             "reasons": "r"}, 409, set()),
            (supplier, f"{supplier}/consequences", {"consequence": "exit", "reasons": "r",
             "steps": "s", "issue_id": "systemic-nope"}, 422, {"consequence-issue-id"}),
            # Every wrong field at once.
            (supplier, f"{supplier}/consequences", {"consequence": "exit", "reasons": " ",
             "other_cases": "zz"}, 422, {"consequence-reasons", "consequence-steps",
                                        "consequence-other-cases"}),
        ]:  # fmt: skip
            answer = await post(client, page, action, data)
            assert answer.status_code == status, (action, data, answer.text)
            assert answer.headers["content-type"].startswith("text/html")
            assert "was refused" in alert(answer.text), (action, data)
            assert invalid(answer.text) == marked, (data, invalid(answer.text))
        # What was typed is kept in the form that failed.
        typed = {"consequence": "exit", "reasons": "Kept <as typed>", "case_ids": [case_id]}
        kept = await post(client, supplier, f"{supplier}/consequences", typed)
        assert "Kept &lt;as typed&gt;</textarea>" in kept.text
        assert f'value="{case_id}" checked' in kept.text
        wrong = await client.get("/console/systemic-issues/new?site_id=Not A Site")
        assert wrong.status_code == 422 and invalid(wrong.text) == {"find-site-id"}
        assert (await client.get("/console/suppliers/NOT%20A%20SITE")).status_code == 422
        assert await events(platform) == before


async def test_only_staff_reach_the_pages_and_only_in_their_tenant(platform):
    [case_id] = await filed(platform, 1)
    async with officer(platform) as client:
        opened = await post(client, NEW_ISSUE, "/console/systemic-issues",
                            {"title": "Underage workers", "case_ids": [case_id]})  # fmt: skip
        issue = opened.headers["location"].split("?")[0]
    pages = ["/console/systemic-issues", NEW_ISSUE, issue, "/console/suppliers",
             "/console/suppliers/dhaka-1"]  # fmt: skip
    before = await events(platform)
    for token in (platform.member(), platform.token(("admin",), sub="admin-1")):
        async with browser_for(platform) as client:
            client.cookies.set("staff_token", bearer(token), path="/console")
            for path in pages:
                answer = await client.get(path)
                assert answer.status_code == 403 and refusal(answer) == "forbidden", path
            csrf = csrf_of((await client.get("/console/login")).text)
            answer = await client.post(f"{issue}/cases", data={"csrf": csrf, "case_ids": case_id})
            assert answer.status_code == 403
    async with officer(platform, tenant="globex", sub="globex-officer") as client:
        assert "Underage workers" not in (await client.get("/console/systemic-issues")).text
        for path in (issue, "/console/suppliers/dhaka-1"):
            answer = await client.get(path)
            assert answer.status_code == 404 and refusal(answer) == "not-found", path
        csrf = csrf_of((await client.get("/console/systemic-issues")).text)
        for action, data in [
            (f"{issue}/cases", {"case_ids": case_id}),
            (f"{issue}/actions", {"description": "x", "owner": "msi"}),
        ]:
            answer = await client.post(action, data={"csrf": csrf, **data})
            assert answer.status_code == 404, (action, answer.text)
        # Acme's case, named by its id, is no case of globex's: nothing there to show.
        answer = await client.post("/console/suppliers/dhaka-1/consequences", data={
            "csrf": csrf, "consequence": "exit", "reasons": "r", "steps": "s",
            "other_cases": case_id})  # fmt: skip
        assert answer.status_code == 404 and refusal(answer) == "not-found"
    async with officer(platform) as client:
        for forged in ({"csrf": "f" * 64}, {}):
            answer = await client.post(f"{issue}/cases", data={"case_ids": case_id, **forged})
            assert answer.status_code == 403 and refusal(answer) == "csrf"
    async with officer(platform, roles=("supervisor",), sub="supervisor-1") as client:
        assert 'id="form-link"' in (await client.get(issue)).text
    assert await events(platform) == before
