"""Suppliers and facilitators over HTTP: each reaches only its own cases, redacted, sees and
reports on only the actions it owns; a member company adds and reports on actions for itself
and its supplier only. Refusals and bad input are problem+json and write nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from redress.events.timers import FixedClock
from tests.cases.test_authz import (
    ACTION,
    GRIEVANCE,
    PARTY_KEYS,
    file_case,
    officer_post,
    read_back,
)
from tests.cases.test_console import bearer, browser_for, log_in
from tests.intake.conftest import register_tenant

PROBLEM = "application/problem+json"
FACILITATOR = "fair-remedy"
PLAN = [("/triage", {"indicators": ["document_retention"], "severity": "critical"}),
        ("/accept", {}), ("/advance", {"to": "response"}),
        ("/advance", {"to": "remediation_plan"})]  # fmt: skip


def party(platform, role: str, org: str | None, tenant: str = "acme") -> dict[str, str]:
    return platform.token((role,), tenant=tenant, org=org, sub=f"{role}-{org}")


async def planned(platform, *owners: str, facilitator: str | None = FACILITATOR, **filed) -> str:
    """A case at the plan (triaged critical: an escalation its parties must not learn of),
    with an action for each owner named, added by an officer."""
    case_id = await file_case(platform, **filed)
    steps = list(PLAN)
    if facilitator:
        steps.append(("/assign", {"facilitator": facilitator}))
    steps += [("/actions", {**ACTION, "owner": o, "description": f"For the {o}"}) for o in owners]
    for path, body in steps:
        written = await officer_post(platform, case_id, path, body)
    await read_back(platform, case_id, written["version"])
    return case_id


async def action_of(platform, case_id: str, owner: str) -> str:
    (action,) = [a for a in (await read_back(platform, case_id, 1))["actions"]
                 if a["owner"] == owner]  # fmt: skip
    return action["action_id"]


async def add_action(platform, case_id: str, body: dict, headers: dict):
    return await platform.cases.post(f"/v1/cases/{case_id}/actions", json=body, headers=headers)


def problem(answer, status: int, kind: str) -> None:
    """A refusal of that kind, as problem+json (the tests check the log wrote nothing)."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["type"] == f"urn:redress:problem:{kind}"


async def test_a_supplier_and_a_facilitator_see_only_their_cases_and_their_own_actions(platform):
    # The worker let the member company know who they are: that is not the supplier's to see.
    mine = await planned(platform, "supplier", "facilitator", "member_company", consent=True)
    # The supplier's site, planned without it: not its case (yet). No facilitator either.
    not_yet = await planned(platform, "member_company", facilitator=None)
    supplier, facilitator = (
        party(platform, "supplier", "dhaka-1"),
        party(platform, "facilitator", FACILITATOR),
    )
    for who, headers, owner in [("supplier", supplier, "supplier"),
                                ("facilitator", facilitator, "facilitator")]:  # fmt: skip
        queue = await platform.cases.get("/v1/cases", headers=headers)
        assert [c["case_id"] for c in queue.json()["items"]] == [mine], who
        detail = await platform.cases.get(f"/v1/cases/{mine}", headers=headers)
        assert detail.status_code == 200, detail.text
        body = detail.json()
        assert set(body) <= PARTY_KEYS, (who, set(body) - PARTY_KEYS)
        assert [a["owner"] for a in body["actions"]] == [owner]
        assert "owner_org" not in body["actions"][0]
        shown = detail.text + queue.text
        for secret in (GRIEVANCE["narrative"], "Rahima", "+8801711111111", "critical",
                       "document_retention", "referral", "severity", "satisfaction"):  # fmt: skip
            assert secret not in shown, (who, secret)
        assert (await platform.cases.get(f"/v1/cases/{not_yet}", headers=headers)).status_code == (
            404
        )
        timeline = await platform.cases.get(f"/v1/cases/{mine}/timeline", headers=headers)
        assert timeline.status_code == 403 and timeline.headers["content-type"] == PROBLEM
        listed = await platform.cases.get("/v1/plan-actions", headers=headers)
        assert [(a["case_id"], a["owner"]) for a in listed.json()["items"]] == [(mine, owner)]
        for params in ({"severity": "critical"}, {"officer": "officer-1"}, {"overdue": "true"}):
            answer = await platform.cases.get("/v1/cases", params=params, headers=headers)
            assert answer.status_code == 403, (who, params)
    # A supplier of another site, and one of another tenant, reach none of it.
    await register_tenant(platform.system, "other")
    for stranger in (party(platform, "supplier", "pp-2"),
                     party(platform, "supplier", "dhaka-1", tenant="other")):  # fmt: skip
        assert (await platform.cases.get("/v1/cases", headers=stranger)).json()["items"] == []
        assert (await platform.cases.get(f"/v1/cases/{mine}", headers=stranger)).status_code == 404
        actions = await platform.cases.get("/v1/plan-actions", headers=stranger)
        assert actions.json()["items"] == []


async def test_each_reports_on_its_own_action_and_is_refused_the_rest(platform):
    case_id = await planned(platform, "supplier", "facilitator", "member_company", "msi")
    ids = {o: await action_of(platform, case_id, o)
           for o in ("supplier", "facilitator", "member_company", "msi")}  # fmt: skip
    supplier = party(platform, "supplier", "dhaka-1")
    facilitator = party(platform, "facilitator", FACILITATOR)
    before = await platform.log_types(case_id)
    # Another party's action is, to a supplier or facilitator, no action at all.
    for headers, own in ((supplier, "supplier"), (facilitator, "facilitator")):
        for owner, action_id in ids.items():
            if owner == own:
                continue
            answer = await platform.cases.post(f"/v1/cases/{case_id}/actions/{action_id}",
                                               json={"progress": "x"}, headers=headers)  # fmt: skip
            problem(answer, 409, "unknown-action")
        # Adding an action is the initiative's and the member company's.
        added = await add_action(platform, case_id, {**ACTION, "owner": own}, headers)
        problem(added, 403, "forbidden")
    # Bad input from a party: 422, nothing written.
    for body in ({"progress": ""}, {"progress": "x", "done": "yes"}, {"progress": "x", "y": 1}):
        answer = await platform.cases.post(f"/v1/cases/{case_id}/actions/{ids['supplier']}",
                                           json=body, headers=supplier)  # fmt: skip
        problem(answer, 422, "validation")
    assert await platform.log_types(case_id) == before

    for headers, own, role in ((supplier, "supplier", "supplier"),
                               (facilitator, "facilitator", "facilitator")):  # fmt: skip
        answer = await platform.cases.post(
            f"/v1/cases/{case_id}/actions/{ids[own]}",
            json={"progress": "Half done", "evidence": "receipts.pdf", "done": own == "supplier"},
            headers=headers,
        )
        assert answer.status_code == 200, answer.text
        event = (await platform.system.store.read_stream(case_id))[-1]
        assert (event.type, event.actor.role, event.data.action_id) == (
            "PlanActionUpdated", role, ids[own])  # fmt: skip
    staff = await read_back(platform, case_id, answer.json()["version"])
    progress = {a["owner"]: (a["progress"], a["done"], a["owner_org"]) for a in staff["actions"]}
    assert progress["supplier"] == ("Half done", True, "dhaka-1")
    assert progress["facilitator"] == ("Half done", False, FACILITATOR)
    done = await platform.cases.post(f"/v1/cases/{case_id}/actions/{ids['supplier']}",
                                     json={"progress": "Again"}, headers=supplier)  # fmt: skip
    problem(done, 409, "action-done")


async def test_a_member_acts_for_itself_and_its_supplier_never_for_the_initiative_or_a_facilitator(
    platform,
):
    case_id = await planned(platform, "facilitator", "msi")
    member = platform.member()
    before = await platform.log_types(case_id)
    for owner in ("msi", "facilitator"):
        answer = await add_action(platform, case_id, {**ACTION, "owner": owner}, member)
        problem(answer, 403, "not-your-action")
        update = await platform.cases.post(
            f"/v1/cases/{case_id}/actions/{await action_of(platform, case_id, owner)}",
            json={"progress": "Done by us"},
            headers=member,
        )
        problem(update, 403, "not-your-action")
    for body in ({**ACTION, "owner": "the-state"}, {**ACTION, "owner_org": "dhaka-1"}):
        answer = await platform.cases.post(f"/v1/cases/{case_id}/actions", json=body,
                                           headers=member)  # fmt: skip
        problem(answer, 422, "validation")
    assert await platform.log_types(case_id) == before

    for owner in ("member_company", "supplier"):
        answer = await add_action(platform, case_id, {**ACTION, "owner": owner}, member)
        assert answer.status_code == 201, answer.text
    staff = await read_back(platform, case_id, answer.json()["version"])
    assert {(a["owner"], a["owner_org"]) for a in staff["actions"]} == {
        ("facilitator", FACILITATOR), ("msi", None), ("member_company", "acme-apparel"),
        ("supplier", "dhaka-1"),
    }  # fmt: skip
    # The member's own view of the plan names no organisation (not the facilitator's).
    mine = await read_back(platform, case_id, answer.json()["version"], member)
    assert all("owner_org" not in a for a in mine["actions"])
    # Its list: its own and its supplier's actions, which the supplier now sees too.
    listed = await platform.cases.get("/v1/plan-actions", headers=member)
    assert sorted(a["owner"] for a in listed.json()["items"]) == ["member_company", "supplier"]
    supplier = party(platform, "supplier", "dhaka-1")
    assert (await platform.cases.get(f"/v1/cases/{case_id}", headers=supplier)).status_code == 200


async def test_plan_actions_are_listed_soonest_first_page_by_page_and_overdue_on_demand(platform):
    case_id = await planned(platform, facilitator=None)
    for due in ("2030-03-01", "2029-01-01", "2030-01-01"):
        written = await officer_post(platform, case_id, "/actions",
                                     {**ACTION, "owner": "supplier", "due_on": due})  # fmt: skip
    await read_back(platform, case_id, written["version"])
    # Half a year on, the first is overdue (an action cannot be planned for a day gone).
    platform.cases_app.state.runtime.extras["cases"].clock = FixedClock(
        datetime(2029, 6, 1, 12, tzinfo=UTC)
    )
    supplier = party(platform, "supplier", "dhaka-1")
    seen: list[Any] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await platform.cases.get("/v1/plan-actions", params=params,
                                         headers=supplier)).json()  # fmt: skip
        seen += page["items"]
        if not (cursor := page["next"]):
            break
    assert [a["due_on"] for a in seen] == ["2029-01-01", "2030-01-01", "2030-03-01"]
    assert [a["overdue"] for a in seen] == [True, False, False]
    overdue = await platform.cases.get("/v1/plan-actions", params={"overdue": "true"},
                                       headers=supplier)  # fmt: skip
    assert [a["due_on"] for a in overdue.json()["items"]] == ["2029-01-01"]
    for params in ({"cursor": "not-a-cursor"}, {"limit": 0}, {"overdue": "perhaps"}):
        answer = await platform.cases.get("/v1/plan-actions", params=params, headers=supplier)
        assert answer.status_code == 422 and answer.headers["content-type"] == PROBLEM, params


async def test_a_case_that_ended_asks_nothing_more_and_a_reopened_one_is_hidden_from_suppliers(
    platform,
):
    """An action left open when its case closed is not overdue: nothing can be reported on it.
    Reopened, the case is verified again: its supplier sees neither it nor its actions then."""
    case_id = await planned(platform, "supplier", facilitator=None)
    for path, body in (
        ("/advance", {"to": "implementation"}),
        ("/close", {"outcome": "unresolved"}),
    ):
        written = await officer_post(platform, case_id, path, body)
    await read_back(platform, case_id, written["version"])
    platform.cases_app.state.runtime.extras["cases"].clock = FixedClock(
        datetime(2099, 6, 1, 12, tzinfo=UTC)  # long after the action's due date
    )
    supplier = party(platform, "supplier", "dhaka-1")
    listed = (await platform.cases.get("/v1/plan-actions", headers=supplier)).json()["items"]
    assert [(a["case_id"], a["status"], a["overdue"]) for a in listed] == [
        (case_id, "closed", False)]  # fmt: skip
    overdue = await platform.cases.get("/v1/plan-actions", params={"overdue": "true"},
                                       headers=supplier)  # fmt: skip
    assert overdue.json()["items"] == []
    detail = (await platform.cases.get(f"/v1/cases/{case_id}", headers=platform.token())).json()
    assert [a["overdue"] for a in detail["actions"]] == [False]

    written = await officer_post(platform, case_id, "/reopen", {"reason": "New evidence"})
    await read_back(platform, case_id, written["version"])
    assert (await platform.cases.get(f"/v1/cases/{case_id}", headers=supplier)).status_code == 404
    assert (await platform.cases.get("/v1/cases", headers=supplier)).json()["items"] == []
    assert (await platform.cases.get("/v1/plan-actions", headers=supplier)).json()["items"] == []
    member = platform.member("acme-apparel")
    assert (await platform.cases.get(f"/v1/cases/{case_id}", headers=member)).status_code == 200


async def test_tokens_of_suppliers_and_facilitators_must_name_their_organisation(platform):
    case_id = await planned(platform, "supplier", "facilitator")
    action_id = await action_of(platform, case_id, "supplier")
    before = await platform.log_types(case_id)
    for role in ("supplier", "facilitator"):
        orgless = party(platform, role, None)
        for method, path, body in [
            ("GET", "/v1/cases", None),
            ("GET", f"/v1/cases/{case_id}", None),
            ("GET", "/v1/plan-actions", None),
            ("POST", f"/v1/cases/{case_id}/actions/{action_id}", {"progress": "x"}),
        ]:
            answer = await platform.cases.request(method, path, json=body, headers=orgless)
            assert answer.status_code == 403, (role, path, answer.text)
    assert await platform.log_types(case_id) == before


async def test_the_officer_console_refuses_suppliers_and_facilitators(platform):
    for role, org in (("supplier", "dhaka-1"), ("facilitator", FACILITATOR)):
        async with browser_for(platform) as browser:
            answer = await log_in(browser, bearer(party(platform, role, org)))
            assert answer.status_code == 403, (role, answer.text)
            assert "staff_token" not in answer.cookies
