"""Who may use the console's pages of suppliers and systemic issues and the member console:
a matrix over every such route, read from the app (a route added without a row fails), and
every principal, its token in the cookie of the console it tries.

| principal                       | officer pages (issues, suppliers)    | member console                    |
| ------------------------------- | ------------------------------------ | --------------------------------- |
| officer, supervisor             | 200; a form, empty: 422              | 403                               |
| officer of another tenant       | lists 200, an issue or supplier 404  | 403                               |
| member whose supply chain it is | 403                                  | 200; a form, empty: 422           |
| member of another supply chain  | 403                                  | its home 200, the case 404        |
| member token without an org     | 403                                  | 403                               |
| admin                           | 403                                  | 403                               |
| no cookie                       | 303 to /console/login                | 303 to /member/login              |

Every answer is a page of the console; none writes an event.
"""  # noqa: E501

from __future__ import annotations

import re

from fastapi.routing import APIRoute

from tests.cases.test_authz import file_case, officer_post, read_back
from tests.cases.test_console import bearer, browser_for, csrf_of

LOGIN = {"officer": "/console/login", "member": "/member/login"}
OFFICER_PAGES = ("/console/systemic-issues", "/console/suppliers")
MEMBER_PAGES = ("/member",)
LOGINS = ("/login", "/logout", "/login/start", "/login/callback")

# (method, path) -> (console, scoped): `scoped` names one issue, supplier or case.
MATRIX: dict[tuple[str, str], tuple[str, bool]] = {
    ("GET", "/console/systemic-issues"): ("officer", False),
    ("GET", "/console/systemic-issues/new"): ("officer", False),
    ("GET", "/console/systemic-issues/{issue_id}"): ("officer", True),
    ("POST", "/console/systemic-issues"): ("officer", False),
    ("POST", "/console/systemic-issues/{issue_id}/cases"): ("officer", True),
    ("POST", "/console/systemic-issues/{issue_id}/actions"): ("officer", True),
    ("GET", "/console/suppliers"): ("officer", False),
    ("GET", "/console/suppliers/{site_id}"): ("officer", True),
    ("POST", "/console/suppliers/{site_id}/consequences"): ("officer", True),
    ("GET", "/member"): ("member", False),
    ("GET", "/member/cases/{case_id}"): ("member", True),
    ("POST", "/member/cases/{case_id}/actions"): ("member", True),
    ("POST", "/member/cases/{case_id}/actions/{action_id}"): ("member", True),
    ("POST", "/member/seen"): ("member", False),
}


def page_routes(app) -> set[tuple[str, str]]:
    """(method, path) of the pages under the matrix's prefixes, less login and logout."""

    def walk(routes, prefix: str):
        for r in routes:
            included = getattr(r, "original_router", None)
            if included is not None:
                yield from walk(included.routes, prefix + r.include_context.prefix)
            elif isinstance(r, APIRoute):
                yield from ((m, prefix + r.path) for m in r.methods)

    return {(m, p) for m, p in walk(app.routes, "")
            if p.startswith(OFFICER_PAGES + MEMBER_PAGES) and not p.endswith(LOGINS)}  # fmt: skip


def expected(principal: str, console: str, scoped: bool, method: str) -> int:
    allowed = {"officer": ("officer", "supervisor", "other-tenant-officer"),
               "member": ("member", "foreign-member")}[console]  # fmt: skip
    if principal == "anonymous":
        return 303
    if principal not in allowed:
        return 403
    if principal in ("other-tenant-officer", "foreign-member") and scoped:
        return 404
    return 200 if method == "GET" else 422


async def test_every_page_answers_every_principal_as_the_matrix_says(platform):
    routes = page_routes(platform.cases_app)
    assert routes == set(MATRIX), f"routes without a row: {routes - set(MATRIX)}"
    case_id = await file_case(platform)
    for path, body in [("/accept", {}), ("/advance", {"to": "response"}),
                       ("/advance", {"to": "remediation_plan"})]:  # fmt: skip
        await officer_post(platform, case_id, path, body)
    written = await officer_post(platform, case_id, "/actions", {
        "remedy": "training", "owner": "member_company", "due_on": "2030-01-31",
        "description": "Train the agents"})  # fmt: skip
    (action,) = (await read_back(platform, case_id, written["version"]))["actions"]
    opened = await platform.cases.post("/v1/systemic-issues", headers=platform.token(), json={
        "title": "Fees at Dhaka 1", "site_id": "dhaka-1", "case_ids": [case_id]})  # fmt: skip
    ids = {"issue_id": opened.json()["stream"], "site_id": "dhaka-1", "case_id": case_id,
           "action_id": action["action_id"]}  # fmt: skip
    tokens = {
        "officer": platform.token(),
        "supervisor": platform.token(("supervisor",), sub="supervisor-1"),
        "other-tenant-officer": platform.token(tenant="globex", sub="globex-officer"),
        "member": platform.member(),
        "foreign-member": platform.member("globex-garments"),
        "member-without-org": platform.token(("member",), sub="nobody"),
        "admin": platform.token(("admin",), sub="admin-1"),
        "anonymous": None,
    }
    before = await platform.system.pool.fetchval("SELECT count(*) FROM eventlog.events")
    wrong = []
    for principal, token in tokens.items():
        async with browser_for(platform) as client:
            csrf = csrf_of((await client.get("/console/login")).text)
            if token is not None:  # in the cookie of either console
                for scope in ("/console", "/member"):
                    client.cookies.set("staff_token", bearer(token), path=scope)
            for (method, template), (console, scoped) in sorted(MATRIX.items()):
                path = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], template)
                if method == "GET":
                    answer = await client.get(path)
                else:
                    answer = await client.post(path, data={"csrf": csrf})
                want = expected(principal, console, scoped, method)
                if answer.status_code != want:
                    wrong.append(
                        f"{principal} {method} {template}: {answer.status_code} not {want}"
                    )
                elif want == 303:
                    assert answer.headers["location"] == LOGIN[console]
                else:
                    assert answer.headers["content-type"].startswith("text/html")
    assert not wrong, "\n".join(wrong)
    after = await platform.system.pool.fetchval("SELECT count(*) FROM eventlog.events")
    assert after == before
