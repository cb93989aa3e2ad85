"""Who may do what on the JSON API of cases: a matrix over every route and every principal.

The routes are read from the app, so that a route added without a row here fails the test.

| principal                          | a case, the queue    | timeline | /v1/plan-actions | /v1/indicators, a case's reads | add an action | update the member's action | other commands | missed deadlines |
| ---------------------------------- | -------------------- | -------- | ---------------- | ------------------------------ | ------------- | -------------------------- | -------------- | ---------------- |
| officer of the tenant              | 200                  | 200      | 200, all         | 200                            | 2xx or 409    | 2xx or 409                 | 2xx or 409     | 403              |
| officer of another tenant          | 404; queue without it| 404      | 200, not these   | 200; 404                       | 404           | 404                        | 404            | 403              |
| supervisor of the tenant           | 200                  | 200      | 200, all         | 200                            | 2xx or 409    | 2xx or 409                 | 2xx or 409     | 200              |
| admin of the tenant                | 403                  | 403      | 403              | 403                            | 403           | 403                        | 403            | 403              |
| member whose supply chain it is    | 200, redacted        | 200, red.| 200, its own     | 403                            | 2xx           | 2xx                        | 403            | 403              |
| member of another supply chain     | 404; queue without it| 404      | 200, none        | 403                            | 404           | 404                        | 403            | 403              |
| supplier owning an action of it    | 200, redacted more   | 403      | 200, its own     | 403                            | 403           | 409 (not its own: unknown) | 403            | 403              |
| facilitator of the case            | 200, redacted more   | 403      | 200, its own     | 403                            | 403           | 409 (not its own: unknown) | 403            | 403              |
| supplier with no action in it      | 404; queue without it| 403      | 200, none        | 403                            | 403           | 404                        | 403            | 403              |
| token with no role for cases       | 403                  | 403      | 403              | 403                            | 403           | 403                        | 403            | 403              |
| representative (union, NGO)        | 403                  | 403      | 403              | 403                            | 403           | 403                        | 403            | 403              |
| no token                           | 401                  | 401      | 401              | 401                            | 401           | 401                        | 401            | 401              |

A role that may never do a thing is refused with 403 whatever the case (that says nothing
about the case); a principal that could do it, were the case within its reach, gets 404, as
if the case did not exist. The risk indicators are the officers' triage vocabulary, and the
record of who read a worker's personal data is for staff: both staff only. An admin
configures the initiative and reads no case (DESIGN.md): every case route refuses it. A
supplier or facilitator sees only the actions it owns, so another's action is, to it, no
action at all (409 `unknown-action`, as for an id that never was); the rest of its rules are
in tests/cases/test_plan_parties.py.
"""  # noqa: E501

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.routing import APIRoute

from redress.cases.policies import case_stream
from redress.cases.projections import CaseViews
from redress.events.catalogue.referral import (
    ConsentGiven,
    PartnerSelected,
    ReferralAccepted,
    ReferralOpened,
    ReferralSent,
)
from redress.events.envelope import Actor, Metadata
from redress.events.ids import derived_stream
from redress.events.projection import wait_for_version
from tests.cases.test_console import bearer, browser_for, log_in
from tests.events.helpers import wait_until
from tests.intake.conftest import register_tenant

GRIEVANCE = {
    "country": "BD",
    "site_id": "dhaka-1",
    "category": "identity_documents",
    "narrative": "The agent keeps our passports in his office.",
    "contact": {"name": "Rahima", "phone_or_email": "+8801711111111"},
}
STAFF_ONLY = ("grievance_id", "language", "officer", "facilitator", "indicators",
              "identity_shareable", "severity", "referral_recommended")  # fmt: skip
# What a supplier or facilitator is shown of a case: where it stands, never the worker.
PARTY_KEYS = {"case_id", "category", "country", "site_id", "member_org", "status", "stage",
              "stage_due", "outcome", "opened_at", "updated_at", "actions"}  # fmt: skip
FACILITATOR = "fair-remedy"
PARTY_ORGS = {"supplier": ("supplier", "dhaka-1"), "facilitator": ("facilitator", FACILITATOR),
              "foreign-supplier": ("supplier", "pp-2")}  # fmt: skip
STAFF_ENTRIES = {"InternalNoteAdded", "CaseTriaged", "MessageSentToWorker",
                 "ReferralRecommended", "VerificationFindingRecorded", "VerificationDecided",
                 "ResponseDetermined", "GrievanceCorrected", "RetaliationAlertRaised",
                 "RepresentativeRecorded", "VerificationEvidenceAttached"}  # fmt: skip
STAFF_DETAILS = {"indicators", "reasons", "override_reason", "officer", "organisation",
                 "language", "identity_shareable", "severity", "explanation",
                 "owner_org"}  # fmt: skip


@dataclass(frozen=True)
class Route:
    # read | timeline | plan-list | staff-read | staff-file | supervise | command |
    # plan-add, plan-update (members on their own cases; suppliers, facilitators: own actions)
    kind: str
    body: dict[str, Any] | None = None
    scoped: bool = True  # about one case
    files: dict[str, tuple[str, bytes, str]] | None = None  # a multipart upload, not JSON


ACTION = {"remedy": "training", "owner": "member_company", "due_on": "2030-01-31",
          "description": "Train the recruitment agents"}  # fmt: skip
RESPONSE = {"level": "company", "involvement": "linked", "state_needed": False,
            "law_enforcement_needed": False, "referral_needed": False,
            "reasons": "The supplier's own practice"}  # fmt: skip
MATRIX: dict[tuple[str, str], Route] = {
    ("GET", "/v1/cases"): Route("read", scoped=False),
    ("GET", "/v1/cases/{case_id}"): Route("read"),
    ("GET", "/v1/cases/{case_id}/timeline"): Route("timeline"),
    ("GET", "/v1/plan-actions"): Route("plan-list", scoped=False),
    ("GET", "/v1/cases/{case_id}/reads"): Route("staff-read"),
    # The matrix's case has no files: staff are told so (404); the files a worker sent, and
    # who opens them, are in tests/cases/test_attachments.py.
    ("GET", "/v1/cases/{case_id}/attachments/{attachment_id}"): Route("staff-file"),
    # Nor has it evidence (tests/cases/test_evidence.py attaches and opens some); attaching
    # is refused at its stage (409 wrong-stage), past verification.
    ("GET", "/v1/cases/{case_id}/evidence/{file_id}"): Route("staff-file"),
    ("POST", "/v1/cases/{case_id}/findings/{finding}/evidence"): Route(
        "command", files={"file": ("register.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}
    ),
    ("GET", "/v1/indicators"): Route("staff-read", scoped=False),
    ("GET", "/v1/supervision/missed-deadlines"): Route("supervise", scoped=False),
    ("POST", "/v1/cases/{case_id}/triage"): Route(
        "command", {"indicators": ["excessive_overtime"], "severity": "high"}
    ),
    ("POST", "/v1/cases/{case_id}/accept"): Route("command", {}),
    ("POST", "/v1/cases/{case_id}/reject"): Route(
        "command", {"grounds": "out_of_scope", "explanation": "not ours"}
    ),
    ("POST", "/v1/cases/{case_id}/advance"): Route("command", {"to": "implementation"}),
    ("POST", "/v1/cases/{case_id}/actions"): Route("plan-add", ACTION),
    ("POST", "/v1/cases/{case_id}/actions/{action_id}"): Route(
        "plan-update", {"progress": "Half of the agents trained", "evidence": "attendance.pdf"}
    ),
    ("POST", "/v1/cases/{case_id}/assign"): Route("command", {"officer": "officer-2"}),
    ("POST", "/v1/cases/{case_id}/messages"): Route("command", {"text": "We are on it."}),
    ("POST", "/v1/cases/{case_id}/notes"): Route("command", {"text": "Agent known to us."}),
    ("POST", "/v1/cases/{case_id}/close"): Route(
        "command", {"outcome": "resolved", "satisfaction": 4}
    ),
    ("POST", "/v1/cases/{case_id}/satisfaction"): Route("command", {"score": 4}),
    ("POST", "/v1/cases/{case_id}/lessons"): Route(
        "command", {"text": "Check agents' practice", "tags": ["documents"]}
    ),
    ("POST", "/v1/cases/{case_id}/reopen"): Route("command", {"reason": "It happened again"}),
    ("POST", "/v1/cases/{case_id}/legal-hold"): Route("command", {"grounds": "litigation"}),
    ("POST", "/v1/cases/{case_id}/legal-hold/release"): Route("command"),
    ("POST", "/v1/cases/{case_id}/review"): Route(
        "command", {"result": "upheld", "reasons": "The grounds hold"}
    ),
    ("POST", "/v1/cases/{case_id}/findings"): Route(
        "command", {"source": "interview", "finding": "Two workers confirm it."}
    ),
    ("POST", "/v1/cases/{case_id}/verification"): Route(
        "command", {"decision": "substantiated", "reasons": "Confirmed"}
    ),
    ("POST", "/v1/cases/{case_id}/response"): Route("command", RESPONSE),
    ("POST", "/v1/cases/{case_id}/corrections"): Route(
        "command", {"reason": "Told in Bangla", "language": "bn"}
    ),
    # The remedy delivered.
    ("GET", "/v1/cases/{case_id}/remedies"): Route("staff-read"),
    ("POST", "/v1/cases/{case_id}/remedies"): Route(
        "command",
        {
            "remedy": "compensation",
            "amount": "250.00",
            "currency": "BDT",
            "workers_covered": 1,
            "description": "Medical costs repaid",
            "delivered_on": "2026-01-05",
        },
    ),
    ("POST", "/v1/cases/{case_id}/actions/{action_id}/waive"): Route(
        "command", {"reason": "The worker found work elsewhere"}
    ),
    # Suppliers and systemic issues ("{case_id}" in a body is the case's id).
    ("GET", "/v1/suppliers"): Route("staff-read", scoped=False),
    ("GET", "/v1/suppliers/{site_id}"): Route("staff-read"),
    ("GET", "/v1/systemic-issues"): Route("staff-read", scoped=False),
    ("GET", "/v1/systemic-issues/{issue_id}"): Route("staff-read"),
    ("POST", "/v1/suppliers/{site_id}/consequences"): Route(
        "command",
        {
            "consequence": "suspension",
            "reasons": "Children at night",
            "case_ids": ["{case_id}"],
            "steps": ["Wages paid while orders pause"],
        },
    ),
    ("POST", "/v1/systemic-issues"): Route(
        "command", {"title": "Underage workers", "case_ids": ["{case_id}"]}
    ),
    ("POST", "/v1/systemic-issues/{issue_id}/cases"): Route("command", {"case_ids": ["{case_id}"]}),
    ("POST", "/v1/systemic-issues/{issue_id}/actions"): Route(
        "command", {"description": "Age checks at the gate", "owner": "supplier"}
    ),
}


def filled(body: Any, ids: dict[str, str]) -> Any:
    """`body` with each "{name}" string replaced by that id."""
    if isinstance(body, dict):
        return {k: filled(v, ids) for k, v in body.items()}
    if isinstance(body, list):
        return [filled(v, ids) for v in body]
    if isinstance(body, str) and body.startswith("{") and body.endswith("}"):
        return ids.get(body[1:-1], body)
    return body


ALLOWED = "2xx or a domain 409"
OK = frozenset({200, 201})
CONCURRENCY = "urn:redress:problem:concurrency"


def expected(principal: str, route: Route) -> frozenset[int] | str:
    """The statuses a principal may get on a route (ALLOWED: it reached the domain)."""
    reads = ("read", "timeline", "plan-list")
    match principal, route.kind:
        case "anonymous", _:
            return frozenset({401})
        case (("no-role" | "officer" | "other-tenant-officer"), "supervise"):
            return frozenset({403})
        case "no-role", _:
            return frozenset({403})
        case (("officer" | "supervisor" | "other-tenant-officer"), "staff-file"):
            return frozenset({404})
        case "officer", kind if kind in (*reads, "staff-read"):
            return frozenset({200})
        case "officer", _:
            return ALLOWED
        case "other-tenant-officer", _:
            return frozenset({404} if route.scoped else {200})
        case "supervisor", kind if kind in (*reads, "staff-read", "supervise"):
            return frozenset({200})
        case "supervisor", _:
            return ALLOWED
        case "member", kind if kind in reads:
            return frozenset({200})
        case "member", ("plan-add" | "plan-update"):
            return OK
        case "foreign-member", kind if kind in (*reads, "plan-add", "plan-update"):
            return frozenset({404} if route.scoped else {200})
        case (("supplier" | "facilitator"), ("read" | "plan-list")):
            return frozenset({200})
        case (("supplier" | "facilitator"), "plan-update"):
            return frozenset({409})
        case "foreign-supplier", ("read" | "plan-list" | "plan-update"):
            return frozenset({404} if route.scoped else {200})
    return frozenset({403})


def json_routes(app) -> set[tuple[str, str]]:
    """(method, path) of every route under /v1, wherever its router was included."""

    def walk(routes, prefix: str):
        for r in routes:
            included = getattr(r, "original_router", None)  # FastAPI keeps routers nested
            if included is not None:
                yield from walk(included.routes, prefix + r.include_context.prefix)
            elif isinstance(r, APIRoute) and (prefix + r.path).startswith("/v1"):
                yield from ((method, prefix + r.path) for method in r.methods)

    found = set(walk(app.routes, ""))
    documented = {(method.upper(), path) for path, operations in app.openapi()["paths"].items()
                  if path.startswith("/v1") for method in operations}  # fmt: skip
    assert documented <= found, f"routes the walk missed: {documented - found}"
    return found


async def listed(platform, case_id: str, tenant: str = "acme") -> bool:
    answer = await platform.cases.get("/v1/cases", headers=platform.token(tenant=tenant))
    return case_id in {c["case_id"] for c in answer.json()["items"]}


async def file_case(
    platform,
    tenant: str = "acme",
    consent: bool = False,
    site_id: str = "dhaka-1",
    contact: bool = True,
) -> str:
    """An operator files for a worker (dhaka-1 is acme-apparel's site); the case opens.
    The worker agrees to be contacted unless told (`contact`)."""
    consents = {"reveal_identity_to_company": consent, "contact_me": contact}
    body = {**GRIEVANCE, "site_id": site_id, "consent": consents}
    if site_id is not None:
        del body["country"]  # the site's is taken
    operator = platform.token(("operator",), tenant=tenant, sub="operator-1")
    answer = await platform.intake.post("/v1/operator/grievances", json=body, headers=operator)
    assert answer.status_code == 201, answer.text
    case_id = case_stream(answer.json()["grievance_id"])
    await wait_until(lambda: listed(platform, case_id, tenant))
    return case_id


async def officer_post(platform, case_id: str, path: str, body: dict, headers=None) -> dict:
    answer = await platform.cases.post(
        f"/v1/cases/{case_id}{path}", json=body, headers=headers or platform.token()
    )
    assert answer.status_code in OK, (path, answer.text)
    return answer.json()


async def read_back(platform, case_id: str, version: int, headers=None) -> dict:
    answer = await platform.cases.get(
        f"/v1/cases/{case_id}", params={"min_version": version}, headers=headers or platform.token()
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def case_in_remediation_plan(platform) -> tuple[str, str]:
    """A case with triage, an officer, a note and a message, at the plan, with one action."""
    case_id = await file_case(platform)
    for path, body in [
        ("/triage", {"indicators": ["document_retention"], "severity": "medium"}),
        ("/assign", {"officer": "officer-1"}),
        ("/notes", {"text": "The agent was named in an earlier case."}),
        ("/messages", {"text": "Thank you; we are looking into it."}),
        ("/accept", {}),
        ("/advance", {"to": "response"}),
        ("/advance", {"to": "remediation_plan"}),
    ]:
        await officer_post(platform, case_id, path, body)
    written = await officer_post(platform, case_id, "/actions", ACTION)
    (action,) = (await read_back(platform, case_id, written["version"]))["actions"]
    return case_id, action["action_id"]


def principals(platform) -> dict[str, dict[str, str]]:
    return {
        "other-tenant-officer": platform.token(tenant="other", sub="officer-9"),
        "admin": platform.token(("admin",), sub="admin-1"),
        "member": platform.member("acme-apparel"),
        "foreign-member": platform.member("globex-garments"),
        "no-role": platform.token(("auditor",), sub="auditor-1"),
        # A union or NGO beside a worker follows it in intake, never through the case API.
        "representative": platform.token(("representative",), org="garment-union", sub="rep-1"),
        # The case's supplier (its site) and facilitator, and a supplier it does not concern.
        **{
            who: platform.token((role,), org=org, sub=f"{who}-user")
            for who, (role, org) in PARTY_ORGS.items()
        },
        "anonymous": {},
        "officer": platform.token(),  # after the refused: its commands move the case on
        "supervisor": platform.token(("supervisor",), sub="supervisor-1"),
    }


def check_body(principal: str, path: str, body: Any, case_id: str, other_case: str) -> list[str]:
    """What the answer may show: redaction for members, more for suppliers and facilitators,
    nothing across tenants."""
    wrong = []
    party = PARTY_ORGS.get(principal)
    if party or principal in ("member", "foreign-member"):  # days, never the minute
        cases = body.get("items", [body]) if path != "/v1/plan-actions" else []
        moments = [c.get(k) for c in cases for k in ("opened_at", "updated_at")]
        if any(m and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", m) for m in moments):
            wrong.append(f"{principal} is shown moments, not days, on {path}: {moments}")
    if path == "/v1/cases":
        ids = {c["case_id"] for c in body["items"]}
        sees = {"officer": {case_id}, "supervisor": {case_id}, "member": {case_id},
                "other-tenant-officer": {other_case}, "foreign-member": set(),
                "supplier": {case_id}, "facilitator": {case_id},
                "foreign-supplier": set()}[principal]  # fmt: skip
        if ids != sees:
            wrong.append(f"{principal} sees {ids} in the queue, not {sees}")
        if principal == "member" and any(k in c for c in body["items"] for k in STAFF_ONLY):
            wrong.append("the queue shows a member staff-only columns")
        if party and any(set(c) - PARTY_KEYS for c in body["items"]):
            wrong.append(f"the queue shows {principal} more than where its cases stand")
    elif path == "/v1/plan-actions":
        owners = {a["owner"] for a in body["items"]}
        sees = {"officer": {"facilitator", "member_company", "supplier"},
                "supervisor": {"facilitator", "member_company", "supplier"},
                "member": {"member_company", "supplier"}, "supplier": {"supplier"},
                "facilitator": {"facilitator"}}.get(principal, set())  # fmt: skip
        if owners != sees or any(a["case_id"] != case_id for a in body["items"]):
            wrong.append(f"{principal} lists actions of {owners}, not {sees}")
        if principal not in ("officer", "supervisor") and any(
            "owner_org" in a for a in body["items"]
        ):
            wrong.append(f"{principal} is shown which organisations own the actions")
    elif path == "/v1/cases/{case_id}" and party:
        owners = {a["owner"] for a in body["actions"]}
        if set(body) - PARTY_KEYS or owners != {party[0]}:
            wrong.append(f"{principal} is shown {set(body) - PARTY_KEYS} and actions of {owners}")
    elif path == "/v1/cases/{case_id}" and principal == "member":
        shown = [k for k in (*STAFF_ONLY, "thread", "grievance", "attachments") if k in body]
        if shown:
            wrong.append(f"a member's case view shows {shown}")
    elif path == "/v1/cases/{case_id}" and principal in ("officer", "supervisor"):
        if "thread" not in body or body["grievance"]["narrative"] != GRIEVANCE["narrative"]:
            wrong.append(f"{principal} does not see the thread and the grievance")
        if body.get("attachments") != []:  # the case has no file
            wrong.append(f"{principal} is not told which files the worker sent")
    elif path == "/v1/cases/{case_id}/timeline" and principal == "member":
        types = {i["type"] for i in body["items"]}
        keys = {k for i in body["items"] for k in i["details"]}
        if types & STAFF_ENTRIES or keys & STAFF_DETAILS or "StageEntered" not in types:
            wrong.append(f"a member's timeline shows {types & STAFF_ENTRIES, keys & STAFF_DETAILS}")
    return wrong


async def test_every_route_answers_every_principal_as_the_matrix_says(platform):
    routes = json_routes(platform.cases_app)
    assert routes == set(MATRIX), f"routes without a row: {routes - set(MATRIX)}"
    await register_tenant(platform.system, "other")
    other_case = await file_case(platform, tenant="other")
    case_id, action_id = await case_in_remediation_plan(platform)
    # The case's facilitator, and an action for it and one for the supplier (the case's site).
    await officer_post(platform, case_id, "/assign", {"facilitator": FACILITATOR})
    for owner in ("supplier", "facilitator"):
        written = await officer_post(platform, case_id, "/actions", {**ACTION, "owner": owner})
    await read_back(platform, case_id, written["version"])
    before = await platform.system.store.stream_version(case_id)
    # A systemic issue and a supplier's consequence to read (and act on) already.
    officer = platform.token()
    opened = await platform.cases.post(
        "/v1/systemic-issues",
        headers=officer,
        json={"title": "Night shifts", "case_ids": [case_id]},
    )
    warned = await platform.cases.post(
        "/v1/suppliers/dhaka-1/consequences",
        headers=officer,
        json={
            "consequence": "corrective_action",
            "reasons": "r",
            "case_ids": [case_id],
            "steps": ["s"],
        },
    )
    assert (opened.status_code, warned.status_code) == (201, 201), (opened.text, warned.text)
    ids = {
        "case_id": case_id,
        "action_id": action_id,
        "attachment_id": "no-such-file",
        "file_id": "no-such-file",
        "finding": "3",
        "issue_id": opened.json()["stream"],
        "site_id": "dhaka-1",
    }

    wrong: list[str] = []
    for principal, headers in principals(platform).items():
        if principal == "officer":
            # Refused calls changed nothing; the member's two plan actions went through.
            written = (await platform.log_types(case_id))[before:]
            if written != ["PlanActionAdded", "PlanActionUpdated"]:
                wrong.append(f"refused calls wrote {written}")
        for (method, template), route in sorted(MATRIX.items()):
            path = template.format(**ids)
            body = filled(route.body, ids)
            sent: dict[str, Any] = {"files": route.files} if route.files else {"json": body}
            answer = await platform.cases.request(method, path, headers=headers, **sent)
            want, got = expected(principal, route), answer.status_code
            fine = (
                200 <= got < 300 or (got == 409 and answer.json()["type"] != CONCURRENCY)
                if want == ALLOWED
                else got in want
            )
            if not fine:
                wrong.append(f"{principal} {method} {template}: {got}, expected {want}")
            elif got == 404 and answer.json()["type"] != "urn:redress:problem:not-found":
                wrong.append(f"{principal} {method} {template}: 404 of the wrong kind")
            elif got == 401 and "Bearer" not in answer.headers.get("www-authenticate", ""):
                wrong.append(f"{principal} {method} {template}: 401 without a challenge")
            elif got == 200 and method == "GET" and route.kind != "supervise":
                wrong += check_body(principal, template, answer.json(), case_id, other_case)
    assert not wrong, "\n".join(wrong)
    assert await platform.log_types(other_case) == ["CaseOpened", "StageEntered"]


async def test_members_see_the_workers_identity_only_when_the_worker_consented(platform):
    member, officer = platform.member(), platform.token()
    shared = await file_case(platform, consent=True)
    withheld = await file_case(platform, consent=False)
    assert (await read_back(platform, shared, 2, member))["grievance"]["contact"]["name"] == (
        "Rahima"
    )
    assert "grievance" not in await read_back(platform, withheld, 2, member)
    for case_id in (shared, withheld):
        body = await read_back(platform, case_id, 2, officer)
        assert body["grievance"]["narrative"] == GRIEVANCE["narrative"]
        assert body["identity_shareable"] is (case_id == shared)


async def test_a_member_token_without_an_org_reaches_nothing(platform):
    # Not even cases whose site belongs to no member (pp-2): None is nobody's supply chain.
    cases = [await file_case(platform), await file_case(platform, site_id="pp-2")]
    orgless = platform.token(("member",), org=None, sub="member-x")
    for case_id in cases:
        for method, path, body in [
            ("GET", "/v1/cases", None),
            ("GET", f"/v1/cases/{case_id}", None),
            ("GET", f"/v1/cases/{case_id}/timeline", None),
            ("POST", f"/v1/cases/{case_id}/actions", ACTION),
        ]:
            answer = await platform.cases.request(method, path, json=body, headers=orgless)
            assert answer.status_code == 403, (path, answer.text)


async def test_an_unknown_case_is_not_found_for_officers_and_members(platform):
    case_id = await file_case(platform)
    unknown = case_id[:-4] + "0000"
    for headers in (platform.token(), platform.member()):
        for method, path, body in [
            ("GET", f"/v1/cases/{unknown}", None),
            ("GET", f"/v1/cases/{unknown}/timeline", None),
            ("POST", f"/v1/cases/{unknown}/actions", ACTION),
            ("POST", "/v1/cases/not-a-case/actions", ACTION),
        ]:
            answer = await platform.cases.request(method, path, json=body, headers=headers)
            assert answer.status_code == 404, (path, answer.text)


async def test_min_version_answers_404_outside_the_callers_reach_whatever_the_version(platform):
    """Authorised before waiting: 202 or 404 must not tell whether a version was reached."""
    case_id = await file_case(platform)
    await register_tenant(platform.system, "other")
    outsiders = {
        "other-tenant-officer": platform.token(tenant="other", sub="officer-9"),
        "foreign-member": platform.member("globex-garments"),
    }
    for who, headers in outsiders.items():
        for path in (f"/v1/cases/{case_id}", f"/v1/cases/{case_id}/timeline"):
            for version in (1, 2, 3, 10_000):
                answer = await platform.cases.get(
                    path, params={"min_version": version}, headers=headers
                )
                assert answer.status_code == 404, (who, path, version, answer.status_code)
                assert answer.json()["type"] == "urn:redress:problem:not-found"
    # The officer of the tenant still waits for a version not reached yet, then gets 202.
    answer = await platform.cases.get(
        f"/v1/cases/{case_id}", params={"min_version": 10_000}, headers=platform.token()
    )
    assert answer.status_code == 202 and answer.headers["retry-after"] == "1"
    owner = await platform.cases.get(
        f"/v1/cases/{case_id}", params={"min_version": 2}, headers=platform.member()
    )
    assert owner.status_code == 200, owner.text


def member_view(body: Any, case_id: str) -> str:
    """What a member was shown, with the case's own id and the times taken out."""
    text = json.dumps(body, sort_keys=True).replace(case_id.removeprefix("case-"), "ID")
    return re.sub(r'"(time|opened_at|updated_at|stage_due)": "[^"]*"', "TIME", text)


async def test_members_never_learn_of_a_trafficking_escalation(platform):
    """Severity, indicators and referral are staff-only in the member's case, queue, filters
    and timeline: an escalated case looks to its member exactly as a case that was not."""
    escalated, plain = await file_case(platform), await file_case(platform)
    await officer_post(platform, escalated, "/triage", {
        "indicators": ["debt_bondage", "document_retention"], "severity": "low",
        "override_reason": None,
    })  # fmt: skip
    await officer_post(platform, plain, "/triage", {"indicators": [], "severity": "low"})
    for case_id in (escalated, plain):
        await read_back(platform, case_id, 3)
    referral = await referred(platform, escalated)
    staff = await platform.cases.get(f"/v1/cases/{escalated}/timeline", headers=platform.token())
    assert {"ReferralRecommended", *referral} <= {i["type"] for i in staff.json()["items"]}

    member = platform.member()
    views = {}
    for case_id in (escalated, plain):
        detail = await platform.cases.get(f"/v1/cases/{case_id}", headers=member)
        timeline = await platform.cases.get(f"/v1/cases/{case_id}/timeline", headers=member)
        queue = await platform.cases.get("/v1/cases", headers=member)
        (row,) = [c for c in queue.json()["items"] if c["case_id"] == case_id]
        views[case_id] = [member_view(a, case_id) for a in (detail.json(), timeline.json(), row)]
        for canary in ("critical", "referral", "debt_bondage", "document_retention", "severity",
                       "indicators", "Triaged", "reasons", "Referral", "Partner", "Consent",
                       "Safe Home", "safe-home"):  # fmt: skip
            assert canary not in "".join(views[case_id]), (canary, views[case_id])
    assert views[escalated] == views[plain]

    # No filter by severity for members, nor by officer (the one who handles trafficking
    # cases would tell them): refused alike, whatever the value and the cases.
    await officer_post(platform, escalated, "/assign", {"officer": "trafficking-lead"})
    filters = [{"severity": s} for s in ("low", "medium", "high", "critical")]
    for params in [*filters, {"officer": "trafficking-lead"}, {"officer": "nobody"}]:
        answer = await platform.cases.get("/v1/cases", params=params, headers=member)
        assert answer.status_code == 403, answer.text
        assert answer.json()["type"] == "urn:redress:problem:forbidden"
    critical = await platform.cases.get(
        "/v1/cases", params={"severity": "critical"}, headers=platform.token()
    )
    assert [c["case_id"] for c in critical.json()["items"]] == [escalated]


async def referred(platform, case_id: str) -> list[str]:
    """The case's referral sent to a shelter with the worker's consent and accepted, as the
    referral service records it in the log (cases reads it from there, by event)."""
    now = datetime.now(UTC)
    stream = derived_stream("referral", case_id)
    grievance_id = (await platform.system.store.read_stream(case_id))[0].data.grievance_id
    events = [
        ReferralOpened(case_id=case_id, grievance_id=grievance_id, category="identity_documents",
                       country="BD", language="bn", reasons=("debt_bondage",),
                       suggested=("safe-home",)),
        PartnerSelected(partner_id="safe-home", partner_name="Safe Home Dhaka",
                        partner_kind="shelter", services=("shelter",)),
        ConsentGiven(partner_id="safe-home", given_by="worker", channel="phone", given_at=now),
        ReferralSent(partner_id="safe-home", services=("shelter",), basis="consent",
                     acknowledge_by=now + timedelta(hours=72)),
        ReferralAccepted(partner_id="safe-home"),
    ]  # fmt: skip
    meta = Metadata(tenant="acme", actor=Actor(id="officer-1", role="officer"))
    await platform.system.store.append(stream, events, 0, meta)
    assert await wait_for_version(platform.system.pool, CaseViews(), stream, len(events),
                                  timeout=30)  # fmt: skip
    return [e.type for e in events]


async def test_an_admin_token_reading_a_case_answers_403_in_the_api_and_the_console(platform):
    case_id = await file_case(platform)
    admin = platform.token(("admin",), sub="admin-1")
    for path in (f"/v1/cases/{case_id}", f"/v1/cases/{case_id}/timeline", "/v1/cases"):
        answer = await platform.cases.get(path, headers=admin)
        assert answer.status_code == 403, (path, answer.text)
        assert GRIEVANCE["narrative"] not in answer.text
    # The console's login refuses the token and says why; no session cookie is set.
    async with browser_for(platform) as browser:
        answer = await log_in(browser, bearer(admin))
        assert answer.status_code == 403 and "reads no case" in answer.text
        assert "staff_token" not in answer.cookies


async def test_events_record_the_subject_and_the_role_that_authorised_the_action(platform):
    """Not the first of the token's roles by name: the role the table matched."""
    case_id = await file_case(platform)
    both = platform.token(("admin", "officer"), sub="dana")
    await officer_post(platform, case_id, "/triage", {"indicators": [], "severity": "low"}, both)
    supervisor = platform.token(("supervisor",), sub="sam")
    await officer_post(platform, case_id, "/assign", {"officer": "dana"}, supervisor)
    actors = [(e.type, e.actor.id, e.actor.role)
              for e in await platform.system.store.read_stream(case_id)]  # fmt: skip
    assert ("CaseTriaged", "dana", "officer") in actors, actors
    assert ("OfficerAssigned", "sam", "supervisor") in actors, actors


async def test_a_version_no_stream_can_reach_is_refused_not_waited_for(platform):
    """A version is a PostgreSQL integer: past it, 202 would be answered for ever."""
    case_id = await file_case(platform)
    for path in (f"/v1/cases/{case_id}", f"/v1/cases/{case_id}/timeline"):
        for version in (2**31, 10**20):
            answer = await platform.cases.get(
                path, params={"min_version": version}, headers=platform.token()
            )
            assert answer.status_code == 422, (path, version, answer.status_code)
            assert answer.headers["content-type"] == "application/problem+json"
        reachable = await platform.cases.get(
            path, params={"min_version": 2**31 - 1}, headers=platform.token()
        )
        assert reachable.status_code == 202


async def test_a_member_reads_the_days_things_happened_never_the_minute(platform):
    """When a report was filed, to the minute, could point a supplier to who was on their
    phone then: a member's case, queue and timeline give the tenant's days; staff the moments."""
    case_id = await file_case(platform)
    member = platform.member()
    case = (await platform.cases.get(f"/v1/cases/{case_id}", headers=member)).json()
    queue = (await platform.cases.get("/v1/cases", headers=member)).json()["items"]
    mine = next(c for c in queue if c["case_id"] == case_id)
    timeline = await platform.cases.get(f"/v1/cases/{case_id}/timeline", headers=member)
    moments = [case["opened_at"], case["updated_at"], mine["opened_at"], mine["updated_at"],
               *(e["time"] for e in timeline.json()["items"])]  # fmt: skip
    assert moments and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", m) for m in moments), moments
    staff = (await platform.cases.get(f"/v1/cases/{case_id}", headers=platform.token())).json()
    assert "T" in staff["opened_at"] and staff["opened_at"].startswith(case["opened_at"])
