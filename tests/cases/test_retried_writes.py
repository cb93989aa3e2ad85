"""A client retrying a write with its Idempotency-Key writes once, over every retryable route.

The routes are read from the apps: every POST of the JSON API of intake and cases must
declare the `Idempotency-Key` header and have a row here, so that a new route without
idempotency fails this test (the referral service's:
tests/referral/test_retried_writes.py). Each row is retried with the same key and body (the first
answer comes again, and the log holds what the first call wrote, nothing more), then sent
with the same key and another body (422 `idempotency-key-reused`, nothing written).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from redress.events.catalogue.grievance_answers import ReviewRequested
from redress.events.projection import wait_for_version
from redress.intake.campaigns import Campaigns
from redress.intake.web_common import worker_metadata
from redress.kit.idempotency import KEPT_FOR, forget_old_keys
from tests.cases.test_authz import (
    ACTION,
    GRIEVANCE,
    RESPONSE,
    file_case,
    filled,
    json_routes,
    read_back,
)
from tests.events.helpers import wait_until

HEADER = "Idempotency-Key"
KEY_REUSED = "urn:redress:problem:idempotency-key-reused"


@dataclass(frozen=True)
class Write:
    roles: tuple[str, ...]
    body: Any
    other: Any  # another body, for the same key
    ndjson: bool = False
    multipart: bool = False  # bodies are files, sent with a new boundary each time


GRIEVANCE_FOR_WORKER = {**GRIEVANCE, "channel": "hotline"}
IMPORTED = {**GRIEVANCE, "member_reference": "ref-1"}
INTERVIEWED = {"phone": "+880 1711-000001", "language": "bn", "good_time": "18:00"}
AUDIT = {"site_id": "dhaka-1", "audit_date": "2025-03-10", "workers": [INTERVIEWED]}

# In the order a case goes through them: each is allowed where the case then stands (with
# the steps of SETUP taken, without a key, after the write they are keyed by).
SETUP = {
    "/v1/cases/{case_id}/response": {"to": "remediation_plan"},
    "/v1/cases/{case_id}/legal-hold/release": {"to": "implementation"},
}
WRITES: dict[tuple[str, str], Write] = {
    ("intake", "/v1/grievances"): Write(
        ("member",), GRIEVANCE, {**GRIEVANCE, "narrative": "Other words."}
    ),
    ("intake", "/v1/operator/grievances"): Write(
        ("operator",), GRIEVANCE_FOR_WORKER, {**GRIEVANCE_FOR_WORKER, "channel": "sms"}
    ),
    # The worker on the phone with an operator, by their receipt (filed first, in `ids`).
    ("intake", "/v1/by-receipt/reply"): Write(
        ("operator",),
        {"reference": "{reference}", "secret": "{secret}", "text": "A"},
        {"reference": "{reference}", "secret": "{secret}", "text": "B"},
    ),
    ("intake", "/v1/by-receipt/satisfaction"): Write(
        ("operator",),
        {"reference": "{reference}", "secret": "{secret}", "score": 4},
        {"reference": "{reference}", "secret": "{secret}", "score": 2},
    ),
    ("intake", "/v1/by-receipt/withdrawal"): Write(
        ("operator",),
        {"reference": "{withdrawn_reference}", "secret": "{withdrawn_secret}"},
        {"reference": "{reference}", "secret": "{secret}"},
    ),
    ("intake", "/v1/by-receipt/erasure"): Write(
        ("operator",),
        {"reference": "{erased_reference}", "secret": "{erased_secret}"},
        {"reference": "{reference}", "secret": "{secret}"},
    ),
    ("intake", "/v1/receipts/reissue"): Write(
        ("operator",),
        {"phone": GRIEVANCE["contact"]["phone_or_email"]},
        {"phone": "+8801711000003"},
    ),
    ("intake", "/v1/representative/grievances"): Write(
        ("representative",),
        {**GRIEVANCE, "consent": {"contact_me": True}},
        {**GRIEVANCE, "narrative": "Another", "consent": {"contact_me": True}},
    ),
    ("intake", "/v1/representative/accompaniments"): Write(
        ("representative",), {"reference": "{reference}"}, {"reference": "{other_reference}"}
    ),
    ("intake", "/v1/grievances/import"): Write(
        ("member",), IMPORTED, {**IMPORTED, "member_reference": "ref-2"}, ndjson=True
    ),
    ("intake", "/v1/audits"): Write(("auditor",), AUDIT, {**AUDIT, "audit_date": "2025-03-11"}),
    ("intake", "/v1/callbacks/{callback_id}/outcome"): Write(
        ("operator",), {"reached": True}, {"reached": False}
    ),
    ("cases", "/v1/cases/{case_id}/triage"): Write(
        ("officer",), {"indicators": [], "severity": "low"}, {"indicators": [], "severity": "high"}
    ),
    ("cases", "/v1/cases/{case_id}/assign"): Write(
        ("officer",), {"officer": "officer-2"}, {"officer": "officer-3"}
    ),
    ("cases", "/v1/cases/{case_id}/notes"): Write(("officer",), {"text": "A"}, {"text": "B"}),
    ("cases", "/v1/cases/{case_id}/messages"): Write(("officer",), {"text": "A"}, {"text": "B"}),
    ("cases", "/v1/cases/{case_id}/accept"): Write(("officer",), {}, {"x": 1}),
    ("cases", "/v1/cases/{case_id}/findings"): Write(
        ("officer",),
        {"source": "interview", "finding": "A"},
        {"source": "document", "finding": "A"},
    ),
    # Evidence of the finding above (its version, in `ids`).
    ("cases", "/v1/cases/{case_id}/findings/{finding}/evidence"): Write(
        ("officer",),
        {"file": ("a.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        {"file": ("b.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        multipart=True,
    ),
    ("cases", "/v1/cases/{case_id}/verification"): Write(
        ("officer",),
        {"decision": "substantiated", "reasons": "A"},
        {"decision": "not_substantiated", "reasons": "A"},
    ),
    ("cases", "/v1/cases/{case_id}/advance"): Write(
        ("officer",), {"to": "response"}, {"to": "closure"}
    ),
    ("cases", "/v1/cases/{case_id}/response"): Write(
        ("officer",), RESPONSE, {**RESPONSE, "involvement": "caused"}
    ),
    ("cases", "/v1/cases/{case_id}/actions"): Write(
        ("officer",), ACTION, {**ACTION, "due_on": "2031-01-31"}
    ),
    ("cases", "/v1/cases/{case_id}/actions/{action_id}"): Write(
        ("officer",), {"progress": "half", "evidence": "a.pdf"}, {"progress": "all"}
    ),
    ("cases", "/v1/cases/{case_id}/legal-hold"): Write(
        ("officer",), {"grounds": "litigation"}, {"grounds": "regulatory_request"}
    ),
    ("cases", "/v1/cases/{case_id}/legal-hold/release"): Write(("officer",), None, {"x": 1}),
    # The remedy delivered, then the action waived: the case may then close as resolved.
    ("cases", "/v1/cases/{case_id}/remedies"): Write(
        ("officer",),
        {
            "remedy": "apology",
            "workers_covered": 1,
            "description": "A",
            "delivered_on": "2026-01-05",
        },
        {
            "remedy": "apology",
            "workers_covered": 2,
            "description": "A",
            "delivered_on": "2026-01-05",
        },
    ),
    ("cases", "/v1/cases/{case_id}/actions/{action_id}/waive"): Write(
        ("officer",), {"reason": "A"}, {"reason": "B"}
    ),
    ("cases", "/v1/cases/{case_id}/corrections"): Write(
        ("officer",), {"reason": "A", "language": "bn"}, {"reason": "B", "language": "bn"}
    ),
    ("cases", "/v1/cases/{case_id}/close"): Write(
        ("officer",),
        {"outcome": "resolved", "no_court_waiver_attested": True},
        {"outcome": "unresolved", "no_court_waiver_attested": True},
    ),
    ("cases", "/v1/cases/{case_id}/satisfaction"): Write(("officer",), {"score": 4}, {"score": 2}),
    ("cases", "/v1/cases/{case_id}/lessons"): Write(
        ("officer",), {"text": "Check agents", "tags": []}, {"text": "Other", "tags": []}
    ),
    ("cases", "/v1/cases/{case_id}/reopen"): Write(
        ("officer",), {"reason": "Again"}, {"reason": "Once more"}
    ),
    ("cases", "/v1/cases/{case_id}/reject"): Write(
        ("officer",), {"grounds": "out_of_scope", "explanation": "x"}, {"grounds": "out_of_scope"}
    ),
    # Another officer reviews the rejection above, which the worker asked to have reviewed.
    ("cases", "/v1/cases/{case_id}/review"): Write(
        ("officer",), {"result": "upheld", "reasons": "A"}, {"result": "reversed", "reasons": "B"}
    ),
    # Suppliers and systemic issues: "{case_id}" and "{other_case}" in a body are filled in.
    ("cases", "/v1/systemic-issues"): Write(
        ("officer",),
        {"title": "A", "case_ids": ["{case_id}"]},
        {"title": "B", "case_ids": ["{case_id}"]},
    ),
    ("cases", "/v1/systemic-issues/{issue_id}/cases"): Write(
        ("officer",), {"case_ids": ["{other_case}"]}, {"case_ids": ["{case_id}"]}
    ),
    ("cases", "/v1/systemic-issues/{issue_id}/actions"): Write(
        ("officer",), {"description": "A", "owner": "msi"}, {"description": "B", "owner": "msi"}
    ),
    ("cases", "/v1/suppliers/{site_id}/consequences"): Write(
        ("officer",),
        {"consequence": "suspension", "reasons": "A", "case_ids": ["{case_id}"], "steps": ["s"]},
        {"consequence": "suspension", "reasons": "B", "case_ids": ["{case_id}"], "steps": ["s"]},
    ),
}


# Called by the SMS provider, which sends no Idempotency-Key: each number's texts thread into
# one grievance, so a redelivered text joins the thread, never files a second grievance; a
# delivery receipt redelivered is recorded once (by the text and its status).
PROVIDER_WEBHOOKS = {"/v1/sms/{tenant}/inbound", "/v1/sms/{tenant}/status"}
# A read sent as a POST, so that the worker's reference and secret stay out of URLs and logs.
READS = {"/v1/by-receipt/read"}
# Retried where its setup lives: a check-in is due only after a retaliation case has ended
# and the tenant's days have passed (tests/cases/test_retaliation.py).
RETRIED_ELSEWHERE = {"/v1/check-ins/{report_id}/outcome"}
# A consent asked on the phone needs a referral, which this platform does not run
# (tests/referral/test_consent_by_phone.py).
RETRIED_ELSEWHERE |= {"/v1/by-receipt/consent"}


def retryable_routes(app) -> set[str]:
    """Every POST of the JSON API, and whether it declares the Idempotency-Key header."""
    paths = {path for method, path in json_routes(app) if method == "POST"}
    paths -= PROVIDER_WEBHOOKS | READS | RETRIED_ELSEWHERE
    for path in paths:
        parameters = app.openapi()["paths"][path]["post"].get("parameters", [])
        assert HEADER in {p["name"] for p in parameters if p["in"] == "header"}, (
            f"POST {path} does not take an {HEADER}"
        )
    return paths


async def receipt_of(platform) -> tuple[str, str]:
    """A worker's receipt: an operator files for them, and reads it back to them."""
    operator = platform.token(("operator",), sub="operator-receipts")
    answer = await platform.intake.post(
        "/v1/operator/grievances",
        json={**GRIEVANCE_FOR_WORKER, "consent": {"contact_me": True}},
        headers=operator,
    )
    assert answer.status_code == 201, answer.text
    filed = answer.json()
    return filed["reference"], filed["secret"]


async def written_by(platform, sub: str) -> int:
    async with platform.system.pool.acquire() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM eventlog.events WHERE metadata->'actor'->>'id' = $1", sub
        )
    return count


async def callback_to_make(platform) -> str:
    auditor = platform.token(("auditor",), sub="auditor-setup", org="acme-apparel")
    answer = await platform.intake.post("/v1/audits", json=AUDIT, headers=auditor)
    assert answer.status_code == 201, answer.text
    done = answer.json()
    pool = platform.system.pool
    assert await wait_for_version(pool, Campaigns(), done["stream"], done["version"], timeout=30)
    events = await platform.system.store.read_stream(done["stream"])
    return events[1].data.callback_id


async def review_asked(platform, case_id: str) -> None:
    """The worker's request for a review, as intake writes it, opened on the case."""
    store = platform.system.store
    grievance_id = (await store.read_stream(case_id))[0].data.grievance_id
    stream = f"grievance-{grievance_id}"
    asked = [ReviewRequested(grievance_id=grievance_id)]
    await store.append(stream, asked, len(await store.read_stream(stream)), worker_metadata("acme"))

    async def opened() -> bool:
        return "ReviewOpened" in await platform.log_types(case_id)

    await wait_until(opened)


async def test_a_retried_write_writes_once_over_every_retryable_route(platform):
    found = {("intake", p) for p in retryable_routes(platform.intake_app)}
    found |= {("cases", p) for p in retryable_routes(platform.cases_app)}
    assert found == set(WRITES), f"POST routes without a row: {found - set(WRITES)}"

    ids = {"callback_id": await callback_to_make(platform), "case_id": await file_case(platform),
           "action_id": "", "issue_id": "", "site_id": "dhaka-1", "finding": "",
           "other_case": await file_case(platform)}  # fmt: skip
    rejected = await file_case(platform)
    for name in ("", "other_", "withdrawn_", "erased_"):
        ids[f"{name}reference"], ids[f"{name}secret"] = await receipt_of(platform)
    wrong: list[str] = []
    for n, ((service, template), write) in enumerate(WRITES.items()):
        if template.endswith("/reject"):
            ids["case_id"] = rejected
        if template.endswith("/review"):
            await review_asked(platform, ids["case_id"])
        if "{action_id}" in template:
            actions = (await read_back(platform, ids["case_id"], 1))["actions"]
            ids["action_id"] = actions[0]["action_id"] if actions else "none"
        path = template.format(**ids)
        client = platform.intake if service == "intake" else platform.cases
        sub = f"retrying-{n}"
        key = {HEADER: str(uuid.uuid4())}
        headers = {**platform.token(write.roles, sub=sub, org="acme-apparel"), **key}

        def send(body: Any, headers: dict = headers, write: Write = write) -> dict[str, Any]:
            if write.multipart:
                return {"files": body, "headers": headers}
            body = filled(body, ids)
            if write.ndjson:
                content = json.dumps(body).encode()
                return {"content": content,
                        "headers": {**headers, "Content-Type": "application/x-ndjson"}}  # fmt: skip
            return {"json": body, "headers": headers}

        first = await client.post(path, **send(write.body))
        if first.status_code not in (200, 201, 202):
            wrong.append(f"{template}: the first call answered {first.status_code} {first.text}")
            continue
        wrote = await written_by(platform, sub)
        again = await client.post(path, **send(write.body))
        if (again.status_code, again.json()) != (first.status_code, first.json()):
            wrong.append(f"{template}: the retry answered {again.status_code} {again.text}")
        reused = await client.post(path, **send(write.other))
        if reused.status_code != 422 or reused.json().get("type") != KEY_REUSED:
            wrong.append(f"{template}: another body answered {reused.status_code}")
        if wrote == 0 or await written_by(platform, sub) != wrote:
            wrong.append(f"{template}: {wrote} events, then {await written_by(platform, sub)}")
        if template == "/v1/systemic-issues":
            ids["issue_id"] = first.json()["stream"]
        if template == "/v1/cases/{case_id}/findings":
            ids["finding"] = str(first.json()["version"])
        version = first.json().get("version")
        if template in SETUP:
            step = await platform.cases.post(
                f"/v1/cases/{ids['case_id']}/advance",
                json=SETUP[template],
                headers=platform.token(),
            )
            assert step.status_code == 200, step.text
            version = step.json()["version"]
        if template.startswith("/v1/cases/"):
            await read_back(platform, ids["case_id"], version)
    assert not wrong, "\n".join(wrong)


async def test_the_same_key_from_another_caller_is_another_write(platform):
    """Keys are the caller's own: two operators using the same key file two grievances."""
    key = {HEADER: "same-key"}
    answers = []
    for sub in ("operator-a", "operator-b"):
        headers = {**platform.token(("operator",), sub=sub), **key}
        answer = await platform.intake.post(
            "/v1/operator/grievances", json=GRIEVANCE_FOR_WORKER, headers=headers
        )
        assert answer.status_code == 201, answer.text
        answers.append(answer.json()["grievance_id"])
    assert answers[0] != answers[1]


async def test_a_key_is_forgotten_a_week_on_with_its_sealed_answer(platform):
    """Kept long enough for any retry; not for ever: the answer may hold a receipt's secret."""
    headers = {**platform.token(("operator",), sub="operator-old"), HEADER: "old-key"}
    first = await platform.intake.post(
        "/v1/operator/grievances", json=GRIEVANCE_FOR_WORKER, headers=headers
    )
    assert first.status_code == 201, first.text
    now = datetime.now(UTC)
    async with platform.system.pool.acquire() as conn:
        assert await forget_old_keys(conn, "intake", now) == 0  # a fresh key stays
        await conn.execute(
            "UPDATE intake.idempotency SET created_at = $1 WHERE key = 'old-key'",
            now - KEPT_FOR - timedelta(minutes=1),
        )
        assert await forget_old_keys(conn, "intake", now) == 1
        left = await conn.fetchval("SELECT count(*) FROM intake.idempotency WHERE key = 'old-key'")
    assert left == 0
    # The key is a new one now: another body is another grievance, not a 422.
    other = {**GRIEVANCE_FOR_WORKER, "channel": "sms"}
    again = await platform.intake.post("/v1/operator/grievances", json=other, headers=headers)
    assert again.status_code == 201 and again.json()["grievance_id"] != first.json()["grievance_id"]
