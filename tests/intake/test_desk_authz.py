"""Who may use the hotline desk: a matrix over every route of the desk (read from the app, so
that a route added without a row here fails) and every principal.

- No session: every page and form sends the browser to the login page (303).
- Officer, supervisor, admin, member, auditor, partner: refused at the login, and by every
  page and form (403), even with a token slipped into the cookie and a call of acme's open.
- An operator of another tenant, acme's call cookie slipped in: their own desk, where they
  file and ask for lost receipts in their own initiative; acme's receipt opens nothing there
  (404), and acme's call is no call of theirs (to the desk, or the desk's page saying so).
- The tenant's operator: the page, or it again with a domain refusal's reason.

Nothing but the tenant's operator writes on the worker's grievance.
"""

from __future__ import annotations

import re
from typing import Any

from redress.intake import sealed
from redress.intake.desk import CALL, CALL_SECONDS, PATH
from redress.intake.filing import grievance_stream
from redress.kit.csrf import page_token
from tests.intake.conftest import register_tenant
from tests.intake.test_desk import browser, log_in
from tests.intake.test_operators import filed
from tests.referral.test_authz import page_routes

CALL_PAGE = f"{PATH}/call"
# Each page and form of the desk: what it is, and a form's fields (`receipt` is filled in).
PAGES: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("GET", PATH): ("desk", {}),
    ("POST", CALL_PAGE): ("open", {"receipt": True}),
    ("GET", CALL_PAGE): ("call", {}),
    ("POST", f"{CALL_PAGE}/reply"): ("call", {"text": "I was moved to the night shift."}),
    ("POST", f"{CALL_PAGE}/satisfaction"): ("call", {"score": "4"}),
    ("POST", f"{CALL_PAGE}/consent/{{referral_id}}/{{partner_id}}"): ("call", {"answer": "given"}),
    ("GET", f"{CALL_PAGE}/withdrawal"): ("call", {}),
    ("POST", f"{CALL_PAGE}/withdrawal"): ("call", {"confirm": "yes"}),
    ("GET", f"{CALL_PAGE}/erasure"): ("call", {}),
    ("POST", f"{CALL_PAGE}/erasure"): ("call", {"confirm": "yes"}),
    ("POST", f"{CALL_PAGE}/end"): ("end", {}),
    ("GET", f"{PATH}/file"): ("desk", {}),
    ("POST", f"{PATH}/file"): (
        "file",
        {"category": "other", "narrative": "Unpaid.", "country": ""},
    ),
    ("GET", f"{PATH}/reissue"): ("desk", {}),
    ("POST", f"{PATH}/reissue"): ("reissue", {"phone": "+8801799999999"}),
}
SESSION = {("GET", f"{PATH}/login"), ("POST", f"{PATH}/login"), ("POST", f"{PATH}/logout"),
           ("GET", f"{PATH}/login/start"), ("GET", f"{PATH}/login/callback")}  # fmt: skip
REFUSED = ("officer", "supervisor", "admin", "member", "auditor", "partner")
ORDER = ("anonymous", *REFUSED, "other-tenant-operator", "operator")


def fine(principal: str, kind: str, method: str, answer) -> bool:
    got, location = answer.status_code, answer.headers.get("location", "")
    problem = re.search(r'data-problem="([a-z-]+)"', answer.text)
    if principal == "anonymous":
        return got == 303 and location == f"{PATH}/login"
    if principal in REFUSED:
        return got == 403 and bool(problem) and problem[1] == "forbidden"
    if principal == "other-tenant-operator":
        return {
            "desk": got == 200,
            "file": got == 200,  # filed in their own initiative
            "reissue": (got, location) == (303, f"{PATH}/reissue?done=sent"),
            "open": got == 404 and not problem and CALL not in answer.headers.get("set-cookie", ""),
            "call": (got, location) == (303, f"{PATH}?done=no-call") if method == "GET"
            else got == 409 and "No call is open" in answer.text,
            "end": got == 303,
        }[kind]  # fmt: skip
    # The tenant's operator: the page, or it again with a domain refusal's reason (a
    # referral that does not exist is a page of its own saying so).
    refused = bool(problem) and problem[1] != "not-found"
    return got in (200, 303, 404, 409, 422) and not refused


async def test_the_desk_admits_the_tenant_s_operators_and_no_one_else(intake):
    routes = page_routes(intake.app, PATH)
    assert routes == set(PAGES) | SESSION, f"pages without a row: {routes - set(PAGES) - SESSION}"
    await register_tenant(intake.system, "globex")
    reference, secret = await filed(intake)
    async with intake.system.pool.acquire() as conn:
        grievance_id = await conn.fetchval("SELECT grievance_id FROM intake.grievances")
    stream = grievance_stream(grievance_id)
    before = await intake.system.store.stream_version(stream)
    context = intake.app.state.runtime.extras["intake"]
    # Acme's operator's call, open on that report: slipped into every browser.
    held = {"g": grievance_id, "t": "acme", "sub": "operator-1"}
    call = sealed.seal(context.call_key, "operator-call", held, CALL_SECONDS)
    tokens = {name: intake.signer.issue(f"{name}-1", "acme", [name]) for name in REFUSED}
    tokens["other-tenant-operator"] = intake.signer.issue("operator-1", "globex", ["operator"])
    tokens["operator"] = intake.signer.issue("operator-1", "acme", ["operator"])
    values = {"referral_id": "referral-nosuch", "partner_id": "safe-home"}

    wrong: list[str] = []
    for principal in ORDER:
        if principal == "operator" and await intake.system.store.stream_version(stream) != before:
            wrong.append("a principal other than the tenant's operator wrote on the grievance")
        async with browser(intake) as client:
            await client.get(f"{PATH}/login")  # the CSRF cookie
            if principal != "anonymous":
                answer = await log_in(client, tokens[principal])
                admitted = answer.status_code == 303
                if admitted != principal.endswith("operator"):
                    wrong.append(f"{principal} logging in: {answer.status_code}")
                client.cookies.set("staff_token", tokens[principal], path=PATH)
            client.cookies.set(CALL, call, path=PATH)
            for (method, template), (kind, form) in PAGES.items():
                fresh = page_token(context.csrf_key, client.cookies["csrf"])
                if form.get("receipt"):
                    form = {"reference": reference, "secret": secret}
                data = {"csrf": fresh, **form} if method == "POST" else None
                answer = await client.request(method, template.format(**values), data=data)
                if not fine(principal, kind, method, answer):
                    wrong.append(f"{principal} {method} {template}: {answer.status_code}")
                if answer.status_code == 200 and principal in ("anonymous", *REFUSED):
                    wrong.append(f"{principal} {method} {template} showed a page")
                if kind == "end":  # the call comes back for the next rows
                    client.cookies.set(CALL, call, path=PATH)
    assert not wrong, "\n".join(wrong)
    types = [e.type for e in await intake.system.store.read_stream(stream)][before:]
    assert "WorkerMessagePosted" in types and "PersonalDataErased" in types
