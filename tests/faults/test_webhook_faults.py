"""Partners' webhooks under faults, against `redress dev` as `make run` starts it.

The referral service (`redress serve referral`, under the dev supervisor) is SIGKILLed while
its delivery worker retries webhooks to a partner that refuses them, with a request hanging
in the receiver, and nats-server is SIGKILLed with it; the supervisor starts both again and
nobody else touches anything. Referrals go on (updated, answered, closed) once they are
back. Then the partner answers: every webhook arrives, in order per referral, what was in
flight at the kill is sent again with the same webhook-id, and the receiver (a real one on
loopback verifying each request with `standardwebhooks`) processes each id once.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import defaultdict

import httpx
import pytest

from redress.cases.policies import case_stream
from redress.referral.policies import referral_stream
from tests.events.helpers import wait_until
from tests.faults.platform import Platform
from tests.kit.webhooks.receiver import Receiver

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]

REFERRALS = 4
TOLD = ["referral.sent", "referral.updated", "referral.closed"]
GRIEVANCE = {
    "country": "BD",
    "site_id": "dhaka-knit",
    "category": "identity_documents",
    "narrative": "The agent keeps our passports in his office.",
    "language": "bn",
    "channel": "hotline",
    "consent": {"share_with_support_services": True},
}
PHONE = {"answer": "given", "channel": "phone", "given_at": "2026-03-02T09:15:00+06:00"}


class Actors:
    """Bearer headers of the people and the partner involved, issued as `redress token`."""

    def __init__(self, platform: Platform, partner: str) -> None:
        def bearer(*args: str) -> dict[str, str]:
            token = platform.token(*args, "--ttl", "3600")
            return {"Authorization": f"Bearer {token}"}

        self.admin = bearer("--role", "admin", "--sub", "fault-admin")
        self.officer = bearer("--role", "officer", "--sub", "fault-officer")
        self.operator = bearer("--role", "operator", "--sub", "fault-operator")
        self.partner = bearer("--role", "partner", "--org", partner, "--sub", "fault-partner")


async def call(client: httpx.AsyncClient, method: str, url: str, headers, body=None) -> dict:
    """A request, again while its service restarts (the supervisor starts it again) or
    while what it names is not there yet (a case or referral opened by a policy): 404, 503."""
    last = "no answer"
    for _ in range(450):  # 90 s
        try:
            answer = await client.request(method, url, json=body, headers=headers)
        except httpx.TransportError as exc:
            last = repr(exc)
        else:
            if answer.status_code in (200, 201):
                return answer.json()
            last = f"{answer.status_code} {answer.text}"
            assert answer.status_code in (404, 503), (method, url, last)
        await asyncio.sleep(0.2)
    raise AssertionError(f"{method} {url}: {last}")


async def test_delivery_survives_a_sigkilled_worker_and_a_restarted_nats(ready: Platform):
    platform = ready
    partner = f"shelter-{uuid.uuid4().hex[:8]}"
    actors = Actors(platform, partner)
    referral_url = platform.url("referral", "")
    receiver = Receiver(secrets=[])
    await receiver.start()
    conn = await platform.connect()
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            await _faults(platform, client, actors, partner, receiver, referral_url, conn)
    finally:
        await conn.close()
        await receiver.stop()


async def _faults(platform, client, actors, partner, receiver, referral_url, conn) -> None:
    shelter = {"name": "Safe Home", "kind": "shelter", "countries": ["BD"]}
    await call(client, "PUT", f"{referral_url}/v1/partners/{partner}", actors.admin, shelter)
    added = await call(
        client, "POST", f"{referral_url}/v1/partners/{partner}/endpoints", actors.admin,
        {"url": receiver.url},
    )  # fmt: skip
    receiver.secrets.append(added["secret"])
    endpoint = added["endpoint_id"]
    receiver.refusing = True  # the partner refuses every webhook for now (503)

    referrals = []
    for _ in range(REFERRALS):
        filed = await call(
            client, "POST", platform.url("intake", "/v1/operator/grievances"), actors.operator,
            GRIEVANCE,
        )  # fmt: skip
        case_id = case_stream(filed["grievance_id"])
        triage = {"indicators": ["document_retention"], "severity": "high"}
        await call(
            client, "POST", platform.url("cases", f"/v1/cases/{case_id}/triage"),
            actors.officer, triage,
        )  # fmt: skip
        referral_id = referral_stream(case_id)
        base = f"{referral_url}/v1/referrals/{referral_id}"
        await call(client, "GET", base, actors.officer)
        await call(client, "POST", f"{base}/safety", actors.officer, {"imminent_danger": False})
        choice = {"partner_id": partner, "services": ["shelter"]}
        await call(client, "POST", f"{base}/partners", actors.officer, choice)
        await call(client, "POST", f"{base}/partners/{partner}/consent", actors.officer, PHONE)
        referrals.append(referral_id)

    async def attempted() -> int:
        return int(
            await conn.fetchval(
                """SELECT count(*) FROM referral.webhook_attempts a
                   JOIN referral.webhook_deliveries d ON d.id = a.delivery_id
                   WHERE d.endpoint_id = $1""",
                endpoint,
            )
        )

    async def retrying() -> bool:
        return await attempted() > REFERRALS  # every head failed, and retries began

    await wait_until(retrying, timeout=60)
    receiver.hold()  # the next attempt hangs in the receiver
    before = receiver.requests

    async def in_flight() -> bool:
        return receiver.requests > before

    await wait_until(in_flight, timeout=60)
    service, nats = platform.service("referral"), platform.nats()
    service.kill()
    nats.kill()
    await platform.restarted(lambda: platform.service("referral"), service.pid)
    await platform.restarted(platform.nats, nats.pid)
    receiver.refusing = False
    receiver.release()  # the hung request is answered: its worker is gone

    # Referrals go on after the restarts: a new safety check, the partner's answers.
    for referral_id in referrals:
        base = f"{referral_url}/v1/referrals/{referral_id}"
        await call(client, "POST", f"{base}/safety", actors.officer, {"imminent_danger": True})
        answers = f"{referral_url}/v1/partner/referrals/{referral_id}"
        await call(client, "POST", f"{answers}/accept", actors.partner)
        await call(client, "POST", f"{answers}/close", actors.partner, {"outcome": "other"})

    expected = len(TOLD) * REFERRALS

    async def all_delivered() -> bool:
        rows = await conn.fetch(
            """SELECT state, count(*) AS n FROM referral.webhook_deliveries
               WHERE endpoint_id = $1 GROUP BY state""",
            endpoint,
        )
        return {r["state"]: r["n"] for r in rows} == {"delivered": expected}

    await wait_until(all_delivered, timeout=120)
    ids = {
        r["webhook_id"]
        for r in await conn.fetch(
            "SELECT webhook_id FROM referral.webhook_deliveries WHERE endpoint_id = $1", endpoint
        )
    }

    assert receiver.rejected == []
    for referral_id in referrals:
        told = [b["type"] for b in receiver.processed if b["subject"] == referral_id]
        assert told == TOLD, (referral_id, told)
    # Repeats only with the same webhook-id, and the same body; each id processed once.
    bodies: dict[str, set[bytes]] = defaultdict(set)
    for headers, body in zip(receiver.headers, receiver.bodies, strict=True):
        assert headers["webhook-id"] == f"msg_{json.loads(body)['id']}"
        bodies[headers["webhook-id"]].add(body)
    assert set(bodies) == ids and all(len(b) == 1 for b in bodies.values())
    assert len(receiver.processed) == expected
    assert len({b["id"] for b in receiver.processed}) == expected
    # The request in flight at the kill was sent again after its lease ran out.
    assert any(n > 1 for n in receiver.seen.values()), dict(receiver.seen)
