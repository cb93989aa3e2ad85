"""A client retrying a referral write with its Idempotency-Key writes once, over every POST of
the referral service: the officer's, the partner's and the directory admin's.

As tests/cases/test_retried_writes.py does for intake and cases: the routes are read from
the app, each must declare the `Idempotency-Key` header and have a row here (a new route
without one fails this test); each row is sent, retried with the same key and body (the
first answer again, nothing more in the log), then sent with the same key and another body
(422 `idempotency-key-reused`, nothing written).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from tests.cases.test_retried_writes import HEADER, KEY_REUSED, retryable_routes, written_by
from tests.kit.webhooks.receiver import Receiver
from tests.referral.conftest import stop_delivery
from tests.referral.test_deliveries import HORIZON, Delivering, sent_and_updated
from tests.referral.test_flow import PHONE
from tests.referral.test_webhooks import deliveries, endpoint_for

SHELTER = "safe-home"
SPARE = {"name": "Legal Aid Chittagong", "kind": "legal_aid", "countries": ["BD"]}


@dataclass(frozen=True)
class Write:
    template: str
    roles: tuple[str, ...]
    body: Any
    other: Any  # another body, for the same key
    org: str | None = None


OFFICER, ADMIN, PARTNER = ("officer",), ("admin",), ("partner",)
BASE = "/v1/referrals/{referral_id}"
AS_PARTNER = "/v1/partner/referrals/{referral_id}"
OWN = "/v1/partners/{partner_id}"
SAFETY = {"imminent_danger": False, "must_not_learn": ["employer"]}
CHOICE = {"partner_id": SHELTER, "fields": ["contact"], "services": ["shelter"]}
GROUNDS = {"grounds": "threat_to_life"}

# In the order a referral goes through them; `emergency` rows are made on a second referral
# whose safety check found imminent danger, the directory's last (the partner retired last).
SENT = [
    Write(f"{BASE}/safety", OFFICER, SAFETY, {**SAFETY, "must_not_learn": ["recruiter"]}),
    Write(f"{BASE}/partners", OFFICER, CHOICE, {**CHOICE, "services": ["legal_aid"]}),
    Write(f"{BASE}/partners/{{partner_id}}/consent", OFFICER, PHONE, {**PHONE, "channel": "sms"}),
    Write(f"{AS_PARTNER}/acknowledge", PARTNER, None, {"x": 1}, SHELTER),
    Write(f"{AS_PARTNER}/accept", PARTNER, None, {"x": 1}, SHELTER),
    Write(
        f"{AS_PARTNER}/services",
        PARTNER,
        {"services": ["shelter"]},
        {"services": ["legal_aid"]},
        SHELTER,
    ),
    Write(
        f"{AS_PARTNER}/close",
        PARTNER,
        {"outcome": "services_completed"},
        {"outcome": "transferred"},
        SHELTER,
    ),
]
DECLINED = Write(
    f"{AS_PARTNER}/decline", PARTNER, {"reason": "no_capacity"}, {"reason": "other"}, SHELTER
)
EMERGENCY = [
    Write(
        f"{BASE}/partners/{{partner_id}}/emergency",
        OFFICER,
        GROUNDS,
        {"grounds": "serious_violence"},
    ),
    Write(f"{BASE}/partners/{{partner_id}}/emergency/approve", OFFICER, None, {"x": 1}),
    Write(f"{BASE}/partners/{{partner_id}}/withdraw", OFFICER, None, {"x": 1}),
]
DIRECTORY = [
    Write(
        f"{OWN}/endpoints", ADMIN, {"url": "https://h.example/a"}, {"url": "https://h.example/b"}
    ),
    Write(
        f"{OWN}/endpoints/{{endpoint_id}}/rotate",
        ADMIN,
        {"overlap_hours": 24},
        {"overlap_hours": 12},
    ),
    Write(f"{OWN}/retire", ADMIN, None, {"x": 1}),
]
DELIVERIES = [
    Write("/v1/dead-letters/{delivery_id}/redeliver", ADMIN, None, {"x": 1}),
    Write("/v1/dead-letters/{delivery_id}/skip", ADMIN, None, {"x": 1}),
    Write(f"{OWN}/endpoints/{{endpoint_id}}/enable", ADMIN, None, {"x": 1}),
]


async def test_a_retried_referral_write_writes_once_over_every_retryable_route(platform):
    rows = [*SENT, DECLINED, *EMERGENCY, *DIRECTORY, *DELIVERIES]
    found = retryable_routes(platform.referral_app)
    assert found == {w.template for w in rows}, (
        f"POST routes without a row: {found - {w.template for w in rows}}"
    )
    await platform.register_partners()
    wrong: list[str] = []
    serial = iter(range(1000))

    async def retried(write: Write, **ids: str) -> dict[str, Any] | None:
        """The write, its retry, the same key with another body; None if the first failed."""
        sub = f"retrying-{next(serial)}"
        roles, org = write.roles, write.org
        headers = {**platform.token(roles, org=org, sub=sub), HEADER: str(uuid.uuid4())}
        path = write.template.format(**ids)

        async def send(body: Any) -> Any:
            return await platform.referral.post(path, json=body, headers=headers)

        first = await send(write.body)
        if first.status_code not in (200, 201):
            wrong.append(
                f"{write.template}: the first call answered {first.status_code} {first.text}"
            )
            return None
        wrote = await written_by(platform, sub)
        again = await send(write.body)
        if (again.status_code, again.json()) != (first.status_code, first.json()):
            wrong.append(f"{write.template}: the retry answered {again.status_code} {again.text}")
        reused = await send(write.other)
        if reused.status_code != 422 or reused.json().get("type") != KEY_REUSED:
            wrong.append(f"{write.template}: another body answered {reused.status_code}")
        if wrote == 0 or await written_by(platform, sub) != wrote:
            wrong.append(
                f"{write.template}: {wrote} events, then {await written_by(platform, sub)}"
            )
        answer: dict[str, Any] = first.json()
        return answer

    # A referral sent with consent, answered by the partner to the end.
    referral_id = await platform.file_and_escalate()
    for write in SENT:
        await retried(write, referral_id=referral_id, partner_id=SHELTER)
    # The same referral to the national mechanism, which declines it.
    nrm = {"partner_id": "nrm-bd", "services": ["protection"]}
    await platform.post(f"/v1/referrals/{referral_id}/partners", nrm)
    consent = f"/v1/referrals/{referral_id}/partners/nrm-bd/consent"
    await platform.post(consent, PHONE | {"fields": []})
    await retried(
        Write(DECLINED.template, PARTNER, DECLINED.body, DECLINED.other, "nrm-bd"),
        referral_id=referral_id,
    )

    # An emergency: proposed, approved by another officer, then withdrawn.
    emergency_id = await platform.file_and_escalate()
    danger = {"imminent_danger": True, "must_not_learn": ["employer"]}
    await platform.post(f"/v1/referrals/{emergency_id}/safety", danger)
    await platform.post(f"/v1/referrals/{emergency_id}/partners", CHOICE)
    for write in EMERGENCY:
        await retried(write, referral_id=emergency_id, partner_id=SHELTER)

    # The directory: an endpoint added, its secret rotated, a partner retired.
    await platform.referral.put("/v1/partners/spare", json=SPARE, headers=platform.admin())
    added = await retried(DIRECTORY[0], partner_id="spare")
    endpoint_id = added["endpoint_id"] if added else "ep_none"
    await retried(DIRECTORY[1], partner_id="spare", endpoint_id=endpoint_id)
    await retried(DIRECTORY[2], partner_id="spare")

    # Deliveries: two dead letters, one redelivered and one skipped, and the shelter's
    # endpoint disabled by a 410, then enabled again.
    await stop_delivery(platform.referral_app)
    receiver = Receiver(secrets=[])
    await receiver.start()
    try:
        made = await endpoint_for(platform, receiver)
        stuck = [await sent_and_updated(platform) for _ in range(2)]
        heads = [(await deliveries(platform, r))[0] for r in stuck]
        receiver.fail_ids = {h.webhook_id for h in heads}
        out = Delivering(platform)  # its clock starts now: everything enqueued is due
        await out.tick()
        await out.tick(HORIZON)  # both heads are dead letters now
        await retried(DELIVERIES[0], delivery_id=str(heads[0].id))
        await retried(DELIVERIES[1], delivery_id=str(heads[1].id))
        receiver.fail_ids, receiver.status = set(), 410
        await out.tick()
        await retried(DELIVERIES[2], partner_id=SHELTER, endpoint_id=made["endpoint_id"])
        await out.worker.close()
    finally:
        await receiver.stop()
    assert not wrong, "\n".join(wrong)
    types = await platform.log_types(referral_id)
    assert types.count("ReferralClosed") == 1 and types.count("ReferralDeclined") == 1
    assert (await platform.log_types(emergency_id)).count("ReferralWithdrawn") == 1
