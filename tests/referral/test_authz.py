"""Who may do what on the JSON API of referral: a matrix over every route and every principal.

The routes are read from the app, so that a route added without a row here fails the test.

| principal                           | staff reads | staff commands | consent | partner API         | directory reads | directory changes |
| ----------------------------------- | ----------- | -------------- | ------- | ------------------- | --------------- | ----------------- |
| officer / supervisor of the tenant  | 200         | 2xx or domain  | idem    | 403                 | 200             | 403               |
| officer of another tenant           | 404 (list: not ours) | 404   | 404     | 403                 | 404 (list: 200) | 403               |
| operator                            | 403         | 403            | domain  | 403                 | 403             | 403               |
| admin                               | 403         | 403            | 403     | 403                 | 200             | 2xx or domain     |
| member company                      | 403         | 403            | 403     | 403                 | 403             | 403               |
| the partner it was sent to          | 403         | 403            | 403     | 200 / 2xx or domain | 403             | 403               |
| a partner it was not sent to        | 403         | 403            | 403     | 404 (list: empty)   | 403             | 403               |
| that partner in another tenant      | 403         | 403            | 403     | 404 (list: empty)   | 403             | 403               |
| a partner token naming no org       | 403         | 403            | 403     | 403                 | 403             | 403               |
| token with no role for referrals    | 403         | 403            | 403     | 403                 | 403             | 403               |
| no token                            | 401         | 401            | 401     | 401                 | 401             | 401               |

Members see no referral content at all: a buyer must not learn of a trafficking referral (it
could warn the supplier). A domain refusal (409, 410, 422, or a 404 of its own kind such as
`not-selected`) means the call reached the referral; `not-found` means it did not.
"""  # noqa: E501

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.cases.test_authz import json_routes
from tests.intake.conftest import register_tenant
from tests.referral.conftest import SHELTER

REFERRAL = "/v1/referrals/{referral_id}"
PART = REFERRAL + "/partners/{partner_id}"
MINE = "/v1/partner/referrals/{referral_id}"
DIRECTORY = "/v1/partners/{partner_id}"
ENDPOINT = DIRECTORY + "/endpoints/{endpoint_id}"


@dataclass(frozen=True)
class Route:
    kind: str  # staff-read | staff | consent | partner-read | partner | directory-read | directory
    body: dict[str, Any] | None = None
    scoped: bool = True


MATRIX: dict[tuple[str, str], Route] = {
    ("GET", "/v1/referrals"): Route("staff-read", scoped=False),
    ("GET", REFERRAL): Route("staff-read"),
    ("GET", REFERRAL + "/timeline"): Route("staff-read"),
    ("GET", REFERRAL + "/disclosures"): Route("staff-read"),
    ("POST", REFERRAL + "/safety"): Route("staff", {"imminent_danger": True}),
    ("POST", REFERRAL + "/partners"): Route(
        "staff", {"partner_id": "nrm-bd", "services": ["protection"]}
    ),
    ("POST", PART + "/consent"): Route(
        "consent", {"answer": "given", "channel": "phone", "given_at": "2026-03-02T09:00:00Z"}
    ),
    ("POST", PART + "/emergency"): Route("staff", {"grounds": "threat_to_life"}),
    ("POST", PART + "/emergency/approve"): Route("staff"),
    ("POST", PART + "/withdraw"): Route("staff"),
    ("GET", "/v1/partner/referrals"): Route("partner-read", scoped=False),
    ("GET", MINE): Route("partner-read"),
    ("GET", MINE + "/personal"): Route("partner-read"),
    ("POST", MINE + "/acknowledge"): Route("partner"),
    ("POST", MINE + "/accept"): Route("partner"),
    ("POST", MINE + "/decline"): Route("partner", {"reason": "no_capacity"}),
    ("POST", MINE + "/services"): Route("partner", {"services": ["shelter"]}),
    ("POST", MINE + "/close"): Route("partner", {"outcome": "services_completed"}),
    ("GET", "/v1/partners"): Route("directory-read", scoped=False),
    ("GET", DIRECTORY): Route("directory-read"),
    ("PUT", DIRECTORY): Route(
        "directory", {"name": "Legal Aid BD", "kind": "legal_aid", "countries": ["BD"]}
    ),
    ("POST", DIRECTORY + "/retire"): Route("directory"),
    ("POST", DIRECTORY + "/endpoints"): Route("directory", {"url": "https://h.example/hook"}),
    ("POST", ENDPOINT + "/rotate"): Route("directory", {"overlap_hours": 1}),
    ("DELETE", ENDPOINT): Route("directory"),
    ("GET", "/v1/referral-settings"): Route("directory-read", scoped=False),
    ("PUT", "/v1/referral-settings"): Route("directory", {"acknowledge_hours": 48}),
}
ALLOWED = "2xx or a domain refusal"
STAFF = ("officer", "supervisor")
ORDER = (
    "anonymous",
    "no-role",
    "member",
    "orgless-partner",
    "admin",
    "other-tenant-officer",
    "foreign-partner",
    "other-tenant-partner",
    "partner",
    "operator",
    "officer",
    "supervisor",
)


def expected(principal: str, route: Route) -> frozenset[int] | str:
    kind = route.kind
    if principal == "anonymous":
        return frozenset({401})
    if principal in STAFF and kind in ("staff-read", "directory-read", "partner-read"):
        return frozenset({200}) if kind != "partner-read" else frozenset({403})
    if principal in STAFF and kind in ("staff", "consent"):
        return ALLOWED
    if principal == "other-tenant-officer" and kind in (
        "staff-read",
        "staff",
        "consent",
        "directory-read",
    ):
        return frozenset({404} if route.scoped else {200})
    if principal == "operator" and kind == "consent":
        return ALLOWED
    if principal == "admin" and kind == "directory-read":
        return frozenset({200})
    if principal == "admin" and kind == "directory":
        return ALLOWED
    if principal == "partner" and kind == "partner-read":
        return frozenset({200})
    if principal == "partner" and kind == "partner":
        return ALLOWED
    if principal in ("foreign-partner", "other-tenant-partner") and kind.startswith("partner"):
        return frozenset({404} if route.scoped else {200})
    return frozenset({403})


def principals(platform) -> dict[str, dict[str, str]]:
    p = platform
    return {
        "anonymous": {},
        "no-role": p.token(("auditor",), sub="auditor-1"),
        "member": p.token(("member",), org="acme-apparel", sub="member-1"),
        "orgless-partner": p.token(("partner",), sub="partner-x"),
        "admin": p.admin(),
        "other-tenant-officer": p.token(tenant="other", sub="officer-9"),
        "foreign-partner": p.partner("nrm-bd"),
        "other-tenant-partner": p.partner("safe-home", tenant="other"),
        "partner": p.partner("safe-home"),
        "operator": p.token(("operator",), sub="operator-1"),
        "officer": p.token(sub="officer-1"),
        "supervisor": p.token(("supervisor",), sub="supervisor-1"),
    }


def check_body(principal: str, template: str, body: Any, referral_id: str, other: str) -> list[str]:
    wrong = []
    if template == "/v1/referrals":
        ids = {i["referral_id"] for i in body["items"]}
        want = {referral_id} if principal in STAFF else {other}
        if ids != want:
            wrong.append(f"{principal} sees {ids} in the queue, not {want}")
    if template == "/v1/partner/referrals":
        ids = {i["referral_id"] for i in body["items"]}
        want = {referral_id} if principal == "partner" else set()
        if ids != want:
            wrong.append(f"{principal} sees {ids} among its referrals, not {want}")
    if template == MINE + "/personal" and set(body["fields"]) != {"contact"}:
        wrong.append(f"the partner reads {body['fields']}, not the contact it was consented")
    if template == DIRECTORY and ("endpoints" in body) != (principal == "admin"):
        wrong.append(f"{principal} {'does not see' if principal == 'admin' else 'sees'} endpoints")
    return wrong


async def test_every_route_answers_every_principal_as_the_matrix_says(platform):
    routes = json_routes(platform.referral_app)
    assert routes == set(MATRIX), f"routes without a row: {routes - set(MATRIX)}"
    await register_tenant(platform.system, "other")
    await platform.register_partners("other")
    await platform.register_partners()
    admin = platform.admin()
    answer = await platform.referral.put("/v1/partners/legal-bd", json=SHELTER, headers=admin)
    assert answer.status_code == 200, answer.text
    added = await platform.post(
        "/v1/partners/legal-bd/endpoints", {"url": "https://legal.example/hook"}, admin
    )
    other = await platform.file_and_escalate(tenant="other")
    referral_id = await platform.file_and_escalate()
    base = f"/v1/referrals/{referral_id}"
    await platform.post(f"{base}/safety", {"imminent_danger": False})
    await platform.post(
        f"{base}/partners",
        {"partner_id": "safe-home", "services": ["shelter"], "fields": ["contact"]},
    )
    await platform.post(
        f"{base}/partners/safe-home/consent",
        MATRIX[("POST", PART + "/consent")].body | {"fields": ["contact"]},
    )
    await platform.caught_up(referral_id)
    before = await platform.system.store.stream_version(referral_id)
    values = {
        "referral_id": referral_id,
        "partner_id": "safe-home",
        "directory_partner": "legal-bd",
        "endpoint_id": added["endpoint_id"],
    }

    wrong: list[str] = []
    every = principals(platform)
    for principal in ORDER:
        headers = every[principal]
        if principal == "partner":
            written = (await platform.log_types(referral_id))[before:]
            if written:
                wrong.append(f"refused calls wrote {written}")
        for (method, template), route in sorted(MATRIX.items()):
            # The directory's routes act on a partner of their own: retiring it changes nothing
            # of the referral's.
            directory = {"partner_id": "legal-bd"} if template.startswith("/v1/partners/") else {}
            path = template.format(**(values | directory))
            answer = await platform.referral.request(method, path, json=route.body, headers=headers)
            want, got = expected(principal, route), answer.status_code
            kind = answer.json().get("type", "") if got >= 400 else ""
            reached = 200 <= got < 300 or (
                got in (404, 409, 410, 422)
                and kind.rsplit(":", 1)[-1]
                not in ("not-found", "forbidden", "validation", "concurrency")
            )
            fine = reached if want == ALLOWED else got in want
            if not fine:
                wrong.append(f"{principal} {method} {template}: {got} {kind}, expected {want}")
            elif want != ALLOWED and got == 404 and kind != "urn:redress:problem:not-found":
                wrong.append(f"{principal} {method} {template}: 404 of the wrong kind ({kind})")
            elif got == 200 and method == "GET":
                wrong += check_body(principal, template, answer.json(), referral_id, other)
    assert not wrong, "\n".join(wrong)
    assert await platform.log_types(other) == ["ReferralOpened"]


async def test_members_never_see_a_referral_nor_learn_that_one_exists(platform):
    await platform.register_partners()
    referral_id = await platform.file_and_escalate()
    unknown = referral_id[:-4] + "0000"
    member = platform.token(("member",), org="acme-apparel", sub="member-1")
    for path in (
        "/v1/referrals/{}",
        "/v1/referrals/{}/timeline",
        "/v1/partners",
        "/v1/referrals",
        "/v1/partner/referrals/{}",
    ):
        real = await platform.referral.get(path.format(referral_id), headers=member)
        none = await platform.referral.get(path.format(unknown), headers=member)
        assert real.status_code == none.status_code == 403, (path, real.text)
        assert "document_retention" not in real.text
        assert real.text.replace(referral_id, unknown) == none.text
