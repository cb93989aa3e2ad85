"""A batch of referral's events, set-based, writes what its events applied one at a time write.

The referral views, the policy that opens referrals and intake's referral requests write each
batch in rounds of one kind of event, at most one per row they write: a partner chosen, asked,
sent, declined and chosen again within one batch must leave the rows that applying each event
alone leaves. The rebuild's workload, with a partner's whole part, a second partner declining
and chosen again, a withdrawal, a worker's erasure and the directory's changes, is applied
to each one event at a time, in batches of 7 and in one batch, and every table is compared
with the live one; the policy's openings of a batch are compared with one by one.
"""

from __future__ import annotations

from redress.cases.policies import case_stream
from redress.events.catalogue.case import CaseOpened, ReferralRecommended
from redress.events.catalogue.grievance import (
    Category,
    Channel,
    Consent,
    ErasureReason,
    GrievanceSubmitted,
    PersonalDataErased,
    Sealed,
)
from redress.events.catalogue.partner import PartnerKind, Service
from redress.events.catalogue.referral import PartnerSelected, ReferralOpened
from redress.events.envelope import SYSTEM, Actor, Metadata
from redress.events.ids import new_id
from redress.events.projection import Policy
from redress.referral.policies import OpenReferrals, referral_stream
from tests.cases.test_batches import (
    appended_by,
    applied,
    last_cursor,
    log_of,
    readable,
    tables_of,
)
from tests.cases.test_rebuild import published_all, stop_live_runners
from tests.events.helpers import wait_until
from tests.intake.test_rotation import erase_by_worker
from tests.referral.conftest import WorkerPages
from tests.referral.test_flow import PHONE, chosen
from tests.referral.test_rebuild import workload

TENANT = "acme"
NRM_CHOICE = {"partner_id": "nrm-bd", "fields": ["contact"], "services": ["protection"]}


async def more(platform) -> None:
    """Beyond the rebuild's workload: the emergency referral's partner provides and closes, a
    second partner declines and is chosen again; a third referral is withdrawn and its worker
    erases their data; the directory retires a partner and rotates and removes an endpoint."""
    second = platform.filed  # the emergency referral's filing, accepted by the shelter
    referral_id = referral_stream(case_stream(second["grievance_id"]))
    base, shelter = f"/v1/partner/referrals/{referral_id}", platform.partner()
    for services in (["shelter"], ["shelter", "legal_aid"]):
        await platform.post(f"{base}/services", {"services": services}, shelter)
    await platform.post(f"{base}/close", {"outcome": "services_completed"}, shelter)
    officer, on_phone = platform.token(), platform.token(sub="officer-on-the-phone")
    desk = f"/v1/referrals/{referral_id}/partners"
    await platform.post(desk, NRM_CHOICE, officer)
    await platform.post(f"{desk}/nrm-bd/consent", PHONE, on_phone)
    await platform.post(f"{base}/decline", {"reason": "no_capacity"}, platform.partner("nrm-bd"))
    await platform.post(desk, NRM_CHOICE, officer)

    third = await platform.file_and_escalate()
    await chosen(platform, third)
    await platform.post(f"/v1/referrals/{third}/partners/safe-home/consent", PHONE, on_phone)
    await platform.post(f"/v1/partner/referrals/{third}/acknowledge", None, shelter)
    await platform.post(f"/v1/referrals/{third}/partners/safe-home/withdraw", None, officer)
    await platform.caught_up(third)
    filed = platform.filed
    await erase_by_worker(WorkerPages(platform.intake), filed["reference"], filed["secret"])

    admin = platform.admin()
    added = await platform.post(
        "/v1/partners/safe-home/endpoints", {"url": "https://safehome.example/other"}, admin
    )
    endpoint = f"/v1/partners/safe-home/endpoints/{added['endpoint_id']}"
    for _ in range(3):  # three secrets: the oldest goes
        await platform.post(f"{endpoint}/rotate", {"overlap_hours": 24}, admin)
    answer = await platform.referral.delete(endpoint, headers=admin)
    assert answer.status_code == 200, answer.text
    await platform.post("/v1/partners/nrm-bd/retire", None, admin)


async def test_every_batch_size_writes_the_rows_of_one_event_at_a_time(platform):
    system = platform.system
    await platform.register_partners()
    await workload(platform)
    await more(platform)
    apps = (platform.intake_app, platform.cases_app, platform.referral_app)
    await stop_live_runners(platform, *apps)
    count = await system.pool.fetchval("SELECT count(*) FROM eventlog.events")
    wanted = {"referral.views", "referral.open_referrals", "intake.referral_requests"}
    runners = [r for app in apps for r in app.state.runtime.runners]
    compared = set()
    for projection in [r.projection for r in runners if r.projection.key in wanted]:
        if isinstance(projection, Policy):
            projection.store = system.store
        live = await tables_of(system, projection)
        assert all(live.values()), (projection.key, {t: len(r) for t, r in live.items()})
        events = await log_of(system, projection)
        compared.add(projection.key)
        for size in (1, 7, len(events)):
            assert await applied(system, projection, events, size) == live, (projection.key, size)
    assert compared == wanted
    # The policy found every referral opened and every consent recorded: it appended nothing.
    assert await system.pool.fetchval("SELECT count(*) FROM eventlog.events") == count


async def test_a_batch_of_recommendations_opens_each_referral_as_one_alone_would(platform):
    """The policy opens a batch's referrals in one statement: the same events, in the same
    order, as opening each in turn, each with its worker's indication as filed before it."""
    system = platform.system
    await platform.register_partners()
    await wait_until(lambda: published_all(system))
    await stop_live_runners(platform, platform.intake_app, platform.cases_app,
                            platform.referral_app)  # fmt: skip
    after = await last_cursor(system)
    worker = Metadata(tenant=TENANT, actor=Actor(id="worker", role="worker"))
    cases = Metadata(tenant=TENANT, actor=SYSTEM)
    for n in range(4):
        grievance_id = str(new_id())
        filed = GrievanceSubmitted(
            grievance_id=grievance_id, channel=Channel.web, language="bn", country="BD",
            category=Category.other, receipt_reference=f"R-TEST-{n:04d}", receipt_hash="x",
            consent=Consent(share_with_support_services=n % 2 == 0), filed_digest="0" * 64,
            personal=Sealed(key_id="unused", ciphertext="unused"),
        )  # fmt: skip
        await system.store.append(f"grievance-{grievance_id}", [filed], 0, worker)
        case_id = f"case-{new_id()}"
        opened = CaseOpened(case_id=case_id, grievance_id=grievance_id, category="other",
                            country="BD", language="bn")  # fmt: skip
        # The last case is recommended twice (triaged again): its referral opens once.
        recommended = [ReferralRecommended(case_id=case_id, reasons=("document_retention",))]
        await system.store.append(case_id, [opened, *recommended * (1 + n // 3)], 0, cases)
    policy = OpenReferrals()
    policy.store = system.store
    await wait_until(lambda: readable(system, policy, after, 9))
    events = await log_of(system, policy, after)
    one_by_one = await appended_by(system, policy, events, batch=False, schema="referral")
    at_once = await appended_by(system, policy, events, batch=True, schema="referral")
    assert at_once == one_by_one
    assert [e[3].worker_indication for e in at_once] == [True, False, True, False]
    assert all(e[3].suggested for e in at_once)


async def test_an_erasure_removes_what_was_asked_before_it_in_its_batch(platform):
    """Intake's referral requests: a worker's erasure removes the requests of every referral
    of their grievance, so it is ordered with those referrals' events, in whatever batch."""
    system = platform.system
    await wait_until(lambda: published_all(system))
    await stop_live_runners(platform, platform.intake_app)
    after = await last_cursor(system)
    grievance_id, referral_id = str(new_id()), f"referral-{new_id()}"
    meta = Metadata(tenant=TENANT, actor=SYSTEM)
    opened = ReferralOpened(case_id=f"case-{new_id()}", grievance_id=grievance_id,
                            category="other", country="BD", language="bn", reasons=())  # fmt: skip
    asked = [
        PartnerSelected(partner_id=p, partner_name=p, partner_kind=PartnerKind.shelter,
                        services=(Service.shelter,))
        for p in ("safe-home", "nrm-bd")
    ]  # fmt: skip
    await system.store.append(referral_id, [opened, *asked], 0, meta)
    erased = PersonalDataErased(grievance_id=grievance_id, key_id="unused",
                                reason=ErasureReason.worker_request)  # fmt: skip
    await system.store.append(f"grievance-{grievance_id}", [erased], 0, meta)
    projection = next(r.projection for r in platform.intake_app.state.runtime.runners
                      if r.projection.key == "intake.referral_requests")  # fmt: skip
    await wait_until(lambda: readable(system, projection, after, 4))
    events = await log_of(system, projection, after)
    one_by_one = await applied(system, projection, events, 1)
    assert [r["referral_id"] for r in one_by_one["referrals"]] == [referral_id]
    assert one_by_one["referral_partners"] == []
    for size in (2, 3, 4):
        assert await applied(system, projection, events, size) == one_by_one, size
