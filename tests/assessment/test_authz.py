"""Who may do what on the JSON API of assessment: a matrix over every route and principal.

The routes are read from the app, so that a route added without a row here fails the test.

| principal                               | reads            | member's writes | officer's writes | frameworks |
| --------------------------------------- | ---------------- | --------------- | ---------------- | ---------- |
| a member of the organisation assessed   | 200              | 2xx or domain   | 403              | 200        |
| a colleague of the same organisation    | 200              | 2xx or domain   | 403              | 200        |
| a member of another organisation        | 404 (lists: its own only) | 404    | 403              | 200        |
| the same organisation in another tenant | 404 (lists, ratings: its own, none) | 404 | 403         | 200        |
| a member token naming no organisation   | 403              | 403             | 403              | 200        |
| officer / supervisor of the tenant      | 200              | 403 (*)         | 2xx or domain    | 200        |
| officer of another tenant               | 404 (lists: empty) | 404 (*)       | 404              | 200        |
| admin                                   | 403              | 403             | 403              | 200        |
| partner, operator, auditor              | 403              | 403             | 403              | 403        |
| no token (a worker has none)            | 401              | 401             | 401              | 401        |

Starting an assessment is a write on no assessment: every member organisation the initiative
has admitted may start its own, and staff the initiative's own self-assessment (*: which staff
answer, never a member's; tests/assessment/test_msi.py). The other tenant is no initiative:
a start there is refused `unknown-tenant` (tests/assessment/test_admission.py). A domain
refusal (409, 422, or a 404 of its own kind such as `unknown-criterion`) means the call
reached the assessment; `not-found` means it did not.
"""  # noqa: E501

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.assessment.conftest import ACME
from tests.cases.test_authz import json_routes

ONE = "/v1/assessments/{assessment_id}"
ANSWER = ONE + "/answers/{criterion}"


@dataclass(frozen=True)
class Route:
    kind: str  # read | member | officer | framework
    body: dict[str, Any] | None = None
    scoped: bool = True
    upload: bool = False
    spare: bool = False
    """Called on a second assessment of the organisation: it takes what the others read."""


MATRIX: dict[tuple[str, str], Route] = {
    ("GET", "/v1/assessments"): Route("read", scoped=False),
    ("POST", "/v1/assessments"): Route("member", {"title": "again"}, scoped=False),
    ("GET", ONE): Route("read"),
    ("GET", ONE + "/export.csv"): Route("read"),
    ("GET", ONE + "/export.pdf"): Route("read"),
    ("PUT", ANSWER): Route("member", {"answer": "met"}),
    ("POST", ONE + "/submit"): Route("member"),
    ("POST", ANSWER + "/reply"): Route("member", {"comment": "It is signed now."}),
    ("POST", ANSWER + "/files"): Route("member", upload=True),
    ("GET", ONE + "/files/{file_id}"): Route("read"),
    ("POST", ONE + "/evidence/erase"): Route("member", spare=True),
    ("POST", ANSWER + "/verify"): Route("officer", {}),
    ("POST", ANSWER + "/challenge"): Route("officer", {"comment": "Show us the policy."}),
    ("POST", ONE + "/rating"): Route("officer", {}),
    ("POST", ONE + "/rating/agree"): Route("member"),
    ("POST", ONE + "/rating/dispute"): Route("member", {"comment": "We disagree."}),
    ("GET", ONE + "/plan"): Route("read"),
    ("PUT", ONE + "/actions/{criterion}"): Route(
        "member", {"owner": "Head of sourcing", "due_on": "2027-03-31"}
    ),
    ("POST", ONE + "/actions/{criterion}/progress"): Route("member", {"note": "Drafted"}),
    ("GET", "/v1/benchmark"): Route("read", scoped=False),
    ("GET", "/v1/frameworks"): Route("framework", scoped=False),
    ("GET", "/v1/frameworks/{framework}/{version}"): Route("framework", scoped=False),
    ("GET", "/v1/organisations/{org}/ratings"): Route("read"),
}
ALLOWED = "2xx or a domain refusal"
STAFF = ("officer", "supervisor")
MEMBERS = ("member", "colleague")
OUTSIDERS = ("other-org-member", "other-tenant-member")
ORDER = ("anonymous", "auditor", "operator", "partner", "admin", "orgless-member",
         "other-tenant-officer", *OUTSIDERS, *STAFF, *MEMBERS)  # fmt: skip


def expected(principal: str, route: Route) -> frozenset[int] | str:
    kind = route.kind
    if principal == "anonymous":
        return frozenset({401})
    if principal in ("auditor", "operator", "partner", "supplier", "facilitator"):
        return frozenset({403})
    if kind == "framework":
        return frozenset({200})
    if principal in MEMBERS:
        return frozenset({200}) if kind == "read" else ALLOWED if kind == "member" else {403}
    if principal in OUTSIDERS:
        if kind == "officer":
            return frozenset({403})
        # The same organisation's name in another tenant is its own: none rated there.
        if not route.scoped or (principal == "other-tenant-member" and route is MATRIX[_RATINGS]):
            return frozenset({200}) if kind == "read" else ALLOWED
        return frozenset({404})
    if principal in STAFF:
        if kind == "member":  # staff answer only the initiative's own, which they may start
            return frozenset({403}) if route.scoped else ALLOWED
        return frozenset({200}) if kind == "read" else ALLOWED
    if principal == "other-tenant-officer":
        if kind == "member" and not route.scoped:
            return ALLOWED
        return frozenset({404} if route.scoped and route is not MATRIX[_RATINGS] else {200})
    return frozenset({403})  # admin, orgless member


_RATINGS = ("GET", "/v1/organisations/{org}/ratings")


def principals(p) -> dict[str, dict[str, str]]:
    return {
        "anonymous": {},
        "auditor": p.token(("auditor",), sub="auditor-1"),
        "operator": p.token(("operator",), sub="operator-1"),
        "partner": p.token(("partner",), org="safe-home", sub="safe-home-api"),
        "supplier": p.token(("supplier",), org="dhaka-1", sub="supplier-1"),
        "facilitator": p.token(("facilitator",), org="fair-remedy", sub="facilitator-1"),
        "admin": p.token(("admin",), sub="admin-1"),
        "orgless-member": p.token(("member",), sub="member-x"),
        "other-tenant-officer": p.token(tenant="other", sub="officer-9"),
        "other-org-member": p.member("brand-b"),
        "other-tenant-member": p.member(tenant="other"),
        "officer": p.token(sub="officer-1"),
        "supervisor": p.token(("supervisor",), sub="supervisor-1"),
        "member": p.member(),
        "colleague": p.member(sub="acme-hr-lead"),
    }


def check_body(principal: str, template: str, body: Any, ours: str) -> list[str]:
    if template == "/v1/assessments":
        ids = {i["assessment_id"] for i in body["items"]}
        if (ours in ids) != (principal in (*MEMBERS, *STAFF)):
            return [f"{principal} {'does not see' if ours not in ids else 'sees'} {ours}"]
        if principal in OUTSIDERS and any(i["org"] == ACME for i in body["items"]):
            return [f"{principal} sees another organisation's assessments"]
    if template == "/v1/benchmark" and body["yours"] and principal not in MEMBERS:
        return [f"{principal} is shown a member's own levels"]
    if template == _RATINGS[1] and principal not in (*MEMBERS, *STAFF) and body["items"]:
        return [f"{principal} sees ratings of another tenant"]
    return []


async def test_every_route_answers_every_principal_as_the_matrix_says(platform):
    p = platform
    routes = json_routes(p.app)
    assert routes == set(MATRIX), f"routes without a row: {routes - set(MATRIX)}"
    officer = p.token()
    ours = await p.submitted(["gov-l1", "gov-l2"])
    await p.post(f"/v1/assessments/{ours}/answers/gov-l2/challenge", {"comment": "Why?"}, officer)
    uploaded = await p.client.post(f"/v1/assessments/{ours}/answers/gov-l2/files",
                                   files={"file": ("p.pdf", b"%PDF-1.4", "application/pdf")},
                                   headers=p.member())  # fmt: skip
    file_id = uploaded.json()["file_id"]
    spare = await p.submitted(["gov-l1"])
    await p.caught_up(ours)
    before = await p.log_types(ours)
    values = {"assessment_id": ours, "criterion": "gov-l2", "framework": "gm-journey",
              "version": 1, "org": ACME, "file_id": file_id}  # fmt: skip

    wrong: list[str] = []
    every = principals(p)
    for principal in ORDER:
        if principal == "officer" and (written := (await p.log_types(ours))[len(before) :]):
            wrong.append(f"refused calls wrote {written}")
        for (method, template), route in sorted(MATRIX.items()):
            path = template.format(**values | ({"assessment_id": spare} if route.spare else {}))
            sent = {"files": {"file": ("p.pdf", b"%PDF-1.4", "application/pdf")}} if route.upload \
                else {"json": route.body}  # fmt: skip
            answer = await p.client.request(method, path, headers=every[principal], **sent)
            want, got = expected(principal, route), answer.status_code
            kind = answer.json().get("type", "") if got >= 400 else ""
            reached = 200 <= got < 300 or (
                got in (404, 409, 422)
                and kind.rsplit(":", 1)[-1] not in ("not-found", "forbidden", "validation")
            )
            fine = reached if want == ALLOWED else got in want
            if not fine:
                wrong.append(f"{principal} {method} {template}: {got} {kind}, expected {want}")
            elif got == 200 and method == "GET" and "json" in answer.headers["content-type"]:
                wrong += check_body(principal, template, answer.json(), ours)
    assert not wrong, "\n".join(wrong)


async def test_another_organisations_assessment_is_as_unknown_as_one_that_does_not_exist(
    platform,
):
    p = platform
    ours = await p.submitted(["gov-l1"])
    await p.caught_up(ours)
    unknown = ours[:-4] + "0000"
    for headers in (p.member("brand-b"), p.member(tenant="other"), p.token(tenant="other")):
        for path in ("/v1/assessments/{}", "/v1/assessments/{}?min_version=1"):
            real = await p.client.get(path.format(ours), headers=headers)
            none = await p.client.get(path.format(unknown), headers=headers)
            assert real.status_code == none.status_code == 404, real.text
            assert real.text.replace(ours, unknown) == none.text
