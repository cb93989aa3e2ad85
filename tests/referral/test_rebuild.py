"""Rebuilding the referral views beside the live tables gives the rows the live projection
wrote, and replaying the policy that opens referrals appends nothing."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from redress.events.catalogue.grievance_answers import ConsentAnswer, ReferralConsentAnswered
from redress.events.envelope import Actor, Metadata
from redress.events.projection import ProjectionRunner, rebuild_beside
from redress.events.timers import FixedClock
from redress.referral.overdue import overdue_scheduler
from redress.referral.policies import OpenReferrals
from redress.referral.projections import ReferralViews
from tests.cases.test_rebuild import events, snapshot, stop_live_runners
from tests.events.helpers import wait_until
from tests.referral.test_flow import chosen, sent_to_shelter


async def workload(platform) -> None:
    """A referral read, acknowledged late and revoked; one sent in an emergency; a rotation."""
    store = platform.system.store
    first = await sent_to_shelter(platform)
    await platform.referral.get(
        f"/v1/partner/referrals/{first}/personal", headers=platform.partner()
    )
    sent = (await store.read_stream(first))[-1].data
    clock = FixedClock(sent.acknowledge_by + timedelta(seconds=1))
    assert await overdue_scheduler(platform.system.pool, store, clock).tick() == 1
    opened = (await store.read_stream(first))[0].data
    answered = ReferralConsentAnswered(
        grievance_id=opened.grievance_id,
        referral_id=first,
        partner_id="safe-home",
        answer=ConsentAnswer.revoked,
    )
    grievance = f"grievance-{opened.grievance_id}"
    worker = Metadata(tenant="acme", actor=Actor(id="worker", role="worker"))
    await store.append(grievance, [answered], await store.stream_version(grievance), worker)
    await wait_until(lambda: _has(platform, first, "ConsentRevoked"))

    second = await platform.file_and_escalate()
    await chosen(platform, second, danger=True)
    base = f"/v1/referrals/{second}/partners/safe-home/emergency"
    await platform.post(base, {"grounds": "threat_to_life"}, platform.token(sub="officer-1"))
    await platform.post(f"{base}/approve", None, platform.token(sub="officer-2"))
    await platform.post(f"/v1/partner/referrals/{second}/accept", None, platform.partner())
    admin = platform.admin()
    added = await platform.post(
        "/v1/partners/safe-home/endpoints", {"url": "https://safehome.example/hook"}, admin
    )
    await platform.post(
        f"/v1/partners/safe-home/endpoints/{added['endpoint_id']}/rotate",
        {"overlap_hours": 24},
        admin,
    )
    await platform.referral.put(
        "/v1/referral-settings", json={"acknowledge_hours": 48}, headers=admin
    )


async def _has(platform, stream: str, kind: str) -> bool:
    return kind in await platform.log_types(stream)


async def test_a_rebuild_beside_the_live_tables_gives_the_live_rows(platform):
    system = platform.system
    await platform.register_partners()
    await workload(platform)
    await stop_live_runners(platform, platform.referral_app)
    before = await events(system)
    for projection in (ReferralViews(), OpenReferrals()):
        live = await snapshot(system.pool, projection)
        assert all(live.values()), {t: len(rows) for t, rows in live.items()}
        as_service = await asyncpg.create_pool(
            system.dsn, min_size=1, max_size=4, server_settings={"role": "redress_referral"}
        )
        try:
            end = await rebuild_beside(
                projection, as_service, system.js, system.bus, store=system.store
            )
        finally:
            await as_service.close()
        assert end == before, projection.key
        assert await snapshot(system.pool, projection) == live, projection.key
    assert await events(system) == before  # the policy's replay appended nothing


async def test_replaying_the_policy_from_zero_appends_nothing(platform):
    system = platform.system
    await platform.register_partners()
    await workload(platform)
    await stop_live_runners(platform, platform.referral_app)
    before = await events(system)
    runner = ProjectionRunner(
        OpenReferrals(), system.pool, system.js, system.bus, store=system.store
    )
    assert await runner.replay() == before
    assert await events(system) == before
