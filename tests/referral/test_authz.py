"""Who may do what on the JSON API of referral: a matrix over every route and every principal.

The routes are read from the app, so that a route added without a row here fails the test.

| principal                           | staff reads | staff commands | consent | partner API         | directory reads | directory changes |
| ----------------------------------- | ----------- | -------------- | ------- | ------------------- | --------------- | ----------------- |
| officer / supervisor of the tenant  | 200         | 2xx or domain  | idem    | 403                 | 200             | 403               |
| officer of another tenant           | 404 (list: not ours) | 404   | 404     | 403                 | 404 (list: 200) | 403               |
| operator                            | 403         | 403            | 403     | 403                 | 403             | 403               |
| admin                               | 403         | 403            | 403     | 403                 | 200             | 2xx or domain     |
| member company                      | 403         | 403            | 403     | 403                 | 403             | 403               |
| the partner it was sent to          | 403         | 403            | 403     | 200 / 2xx or domain | 403             | 403               |
| a partner it was not sent to        | 403         | 403            | 403     | 404 (list: empty)   | 403             | 403               |
| that partner in another tenant      | 403         | 403            | 403     | 404 (list: empty)   | 403             | 403               |
| a partner token naming no org       | 403         | 403            | 403     | 403                 | 403             | 403               |
| token with no role for referrals    | 403         | 403            | 403     | 403                 | 403             | 403               |
| no token                            | 401         | 401            | 401     | 401                 | 401             | 401               |

Deliveries (an endpoint's health and attempts, dead letters, redelivering and skipping them,
enabling an endpoint, the notices of disabled ones) are the tenant's admin's alone: 200, or
2xx or a domain refusal for the POSTs; every other principal, officers included, 403 (401
without a token).

Members see no referral content at all: a buyer must not learn of a trafficking referral (it
could warn the supplier). A domain refusal (409, 410, 422, or a 404 of its own kind such as
`not-selected`) means the call reached the referral; `not-found` means it did not.

The console's pages and forms (`PAGES`, read from the app too) admit officers and
supervisors (referrals, the directory read) and admins (the directory, deliveries and dead
letters; `/console` sends them to it); members, partners, operators, auditors and tokens with no role are refused at the
login and, with the token slipped into the cookie, by every page (403); without a session,
every page sends the browser to the login page.
"""  # noqa: E501

from __future__ import annotations

import re
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import httpx
from fastapi.routing import APIRoute

from redress.events.projection import wait_for_version
from redress.kit.csrf import page_token
from redress.referral.console import CONSOLE
from redress.referral.delivery import PartnerWebhooks
from redress.referral.policies import directory_stream
from tests.cases.test_authz import json_routes
from tests.cases.test_console import bearer, csrf_of
from tests.intake.conftest import CLIENT_ADDRESS, register_tenant
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
    ("GET", ENDPOINT + "/deliveries"): Route("deliveries-read"),
    ("POST", ENDPOINT + "/enable"): Route("deliveries"),
    ("GET", "/v1/dead-letters"): Route("deliveries-read", scoped=False),
    ("POST", "/v1/dead-letters/{delivery_id}/redeliver"): Route("deliveries"),
    ("POST", "/v1/dead-letters/{delivery_id}/skip"): Route("deliveries"),
    ("GET", "/v1/webhook-notices"): Route("deliveries-read", scoped=False),
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
    if principal == "admin" and kind == "directory-read":
        return frozenset({200})
    if principal == "admin" and kind == "directory":
        return ALLOWED
    if principal == "admin" and kind == "deliveries-read":
        return frozenset({200})
    if principal == "admin" and kind == "deliveries":
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
        # A case's supplier and facilitator act on its plan, never on its referral.
        "supplier": p.token(("supplier",), org="dhaka-1", sub="supplier-1"),
        "facilitator": p.token(("facilitator",), org="fair-remedy", sub="facilitator-1"),
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
    # One endpoint the admin's rows remove, one kept for the deliveries' rows, mirrored by
    # the delivery (until it is, its page of deliveries is 404).
    kept = await platform.post(
        "/v1/partners/legal-bd/endpoints", {"url": "https://legal.example/kept"}, admin
    )
    mirror = PartnerWebhooks(platform.settings)
    directory = directory_stream("acme")
    assert await wait_for_version(
        platform.system.pool, mirror, directory, kept["version"], timeout=30
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
        "delivery_id": "1",  # none of acme's: the admin reaches `unknown-delivery`
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
            if template.endswith(("/deliveries", "/enable")):
                directory["endpoint_id"] = kept["endpoint_id"]
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


# -- the console's pages ------------------------------------------------------------------------

CONSOLE_REFERRAL = "/console/referrals/{referral_id}"
CONSOLE_PART = CONSOLE_REFERRAL + "/partners/{partner_id}"
CONSOLE_PARTNER = "/console/partners/{partner_id}"
CONSOLE_ENDPOINT = CONSOLE_PARTNER + "/endpoints/{endpoint_id}"
# Each page and form of the console: who may use it (`referral` officers and supervisors, who
# read the directory too; `directory` admins), and a form's fields.
PAGES: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("GET", "/console"): ("referral-read", {}),
    ("GET", "/console/cases/{case_id}"): ("referral-read", {}),
    ("GET", CONSOLE_REFERRAL): ("referral-read", {}),
    ("POST", CONSOLE_REFERRAL + "/safety"): ("referral", {"imminent_danger": "no"}),
    ("POST", CONSOLE_REFERRAL + "/partners"): (
        "referral",
        {"partner_id": "nrm-bd", "services": ["protection"]},
    ),
    ("POST", CONSOLE_PART + "/consent"): (
        "referral",
        {"answer": "given", "channel": "phone", "given_at": "2026-03-02T09:00"},
    ),
    ("POST", CONSOLE_PART + "/emergency"): ("referral", {"grounds": "threat_to_life"}),
    ("POST", CONSOLE_PART + "/emergency/approve"): ("referral", {}),
    ("POST", CONSOLE_PART + "/explanation"): ("referral", {}),
    ("POST", CONSOLE_PART + "/withdraw"): ("referral", {}),
    ("GET", "/console/partners"): ("directory-read", {}),
    ("GET", CONSOLE_PARTNER): ("directory-read", {}),
    ("POST", "/console/partners"): (
        "directory",
        {"partner_id": "ngo-x", "name": "NGO X", "kind": "ngo", "countries": "BD"},
    ),
    ("POST", CONSOLE_PARTNER): ("directory", {"name": "Legal", "kind": "ngo", "countries": "BD"}),
    ("POST", CONSOLE_PARTNER + "/retire"): ("directory", {}),
    ("POST", CONSOLE_PARTNER + "/endpoints"): ("directory", {"url": "https://h.example/hook"}),
    ("POST", CONSOLE_ENDPOINT + "/rotate"): ("directory", {"overlap_hours": "1"}),
    ("POST", CONSOLE_ENDPOINT + "/remove"): ("directory", {}),
    ("POST", "/console/settings"): ("directory", {"hours": "48"}),
    ("GET", CONSOLE_ENDPOINT): ("directory", {}),
    ("POST", CONSOLE_ENDPOINT + "/enable"): ("directory", {}),
    ("GET", "/console/dead-letters"): ("directory", {}),
    ("POST", "/console/dead-letters/{delivery_id}/redeliver"): ("directory", {}),
    ("POST", "/console/dead-letters/{delivery_id}/skip"): ("directory", {}),
}
SESSION = {("GET", "/console/login"), ("POST", "/console/login"), ("POST", "/console/logout"),
           ("GET", "/console/login/start"), ("GET", "/console/login/callback")}  # fmt: skip
# Who may log in to the console at all; everyone else is refused at the login and by every
# page, even with a token slipped into the cookie.
ADMITTED = ("officer", "supervisor", "admin", "other-tenant-officer")


def page_routes(app, console: str = "/console") -> set[tuple[str, str]]:
    """(method, path) of every route of the console at `console`, wherever its router was
    included."""

    def walk(routes, prefix: str):
        for r in routes:
            included = getattr(r, "original_router", None)
            if included is not None:
                yield from walk(included.routes, prefix + r.include_context.prefix)
            elif isinstance(r, APIRoute) and (prefix + r.path).startswith(console):
                yield from ((method, prefix + r.path) for method in r.methods)

    return set(walk(app.routes, ""))


def page_expected(principal: str, kind: str, template: str) -> str:
    """`page` (reached), `forbidden` (403 page), `not-found` (404 page) or `redirect`."""
    if principal not in ADMITTED:
        return "forbidden"
    if principal == "admin":
        if template == "/console":
            return "redirect"  # to the directory, which is theirs
        return "forbidden" if kind.startswith("referral") else "page"
    if kind == "directory":
        return "forbidden"
    if principal == "other-tenant-officer" and template not in ("/console", "/console/partners"):
        return "not-found"  # acme's referral, case or partner: as if there were none
    return "page"


async def test_the_console_admits_officers_and_admins_and_no_one_else(platform):
    routes = page_routes(platform.referral_app)
    assert routes == set(PAGES) | SESSION, f"pages without a row: {routes - set(PAGES) - SESSION}"
    await register_tenant(platform.system, "other")
    await platform.register_partners()
    admin = platform.admin()
    await platform.referral.put("/v1/partners/legal-bd", json=SHELTER, headers=admin)
    added = await platform.post(
        "/v1/partners/legal-bd/endpoints", {"url": "https://legal.example/hook"}, admin
    )
    mirror = PartnerWebhooks(platform.settings)
    directory = directory_stream("acme")
    assert await wait_for_version(platform.system.pool, mirror, directory, added["version"],
                                  timeout=30)  # fmt: skip
    referral_id = await platform.file_and_escalate()
    await platform.post(f"/v1/referrals/{referral_id}/safety", {"imminent_danger": True})
    await platform.post(f"/v1/referrals/{referral_id}/partners",
                        {"partner_id": "safe-home", "services": ["shelter"]})  # fmt: skip
    opened = (await platform.system.store.read_stream(referral_id))[0]
    values = {"referral_id": referral_id, "partner_id": "safe-home", "case_id":
              opened.data.case_id, "endpoint_id": added["endpoint_id"],
              "delivery_id": "1"}  # fmt: skip
    every = principals(platform)
    wrong: list[str] = []
    for principal in ORDER:
        headers = every[principal]
        async with console_browser(platform) as client:
            login = await client.get("/console/login")
            token = csrf_of(login.text)
            if headers:
                answer = await client.post(
                    "/console/login", data={"csrf": token, "token": bearer(headers)}
                )
                admitted = answer.status_code == 303
                if admitted != (principal in ADMITTED) or (
                    not admitted and "staff_token" in answer.headers.get("set-cookie", "")
                ):
                    wrong.append(f"{principal} logging in: {answer.status_code}")
                # Refused or not, the token is in the cookie: the pages must refuse it too.
                client.cookies.set("staff_token", bearer(headers), path="/console")
            for (method, template), (kind, form) in sorted(PAGES.items()):
                # The directory's forms act on a partner of their own, not the referral's.
                ours = template.startswith("/console/partners/")
                directory = {"partner_id": "legal-bd"} if ours else {}
                path = template.format(**(values | directory))
                # Each form as from a page of its own: a page's form changes things once.
                fresh = page_token(CONSOLE.csrf_key(request_of(platform)), client.cookies["csrf"])
                data = {"csrf": fresh, **form} if method == "POST" else None
                answer = await client.request(method, path, data=data)
                got = answer.status_code
                problem = re.search(r'data-problem="([a-z-]+)"', answer.text)
                if principal == "anonymous":
                    fine = got == 303 and answer.headers["location"] == "/console/login"
                    want = "to the login page"
                else:
                    want = page_expected(principal, kind, template)
                    fine = {
                        # Reached: the page, or it again with a domain refusal's reason.
                        "page": got in (200, 303, 404, 409, 410, 422) and not problem,
                        "redirect": got == 303,
                        "forbidden": got == 403 and bool(problem) and problem[1] == "forbidden",
                        "not-found": got == 404 and bool(problem) and problem[1] == "not-found",
                    }[want]
                if not fine:
                    wrong.append(f"{principal} {method} {template}: {got}, expected {want}")
                if got == 200 and principal not in ADMITTED:
                    wrong.append(f"{principal} {method} {template} showed a page")
    assert not wrong, "\n".join(wrong)
    types = await platform.log_types(referral_id)
    assert types.count("PartnerSelected") == 2, "only officers may choose a partner"


def request_of(platform) -> Any:
    """What the console reads its CSRF key from: the app of a request."""
    return SimpleNamespace(app=platform.referral_app)


def console_browser(platform) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=platform.referral_app, client=CLIENT_ADDRESS)
    return httpx.AsyncClient(transport=transport, base_url="http://test")
