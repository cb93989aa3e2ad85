"""The case's timeline shows its referral's milestones, read from referral's events.

Intake, cases and referral served side by side with the relay (tests.referral's platform):
the officer chooses a partner, the worker's consent is recorded by phone, the partner
acknowledges, accepts and closes; a second partner is proposed and withdrawn. The officers'
timeline (API and console) names each milestone and its partner, in order, with codes only;
a member company's timeline of the same case shows none of it.
"""

from __future__ import annotations

import re

from redress.cases.policies import case_stream
from redress.cases.projections import CaseViews
from redress.events.projection import wait_for_version
from tests.cases.test_console import bearer, browser_for, log_in
from tests.referral.conftest import GRIEVANCE, platform  # noqa: F401 - the fixture
from tests.referral.test_flow import PHONE, chosen

MILESTONES = [
    ("ReferralOpened", None),
    ("PartnerSelected", "Safe Home Dhaka"),
    ("ConsentGiven", "Safe Home Dhaka"),
    ("ReferralSent", "Safe Home Dhaka"),
    ("ReferralAcknowledged", "Safe Home Dhaka"),
    ("ReferralAccepted", "Safe Home Dhaka"),
    ("ReferralClosed", "Safe Home Dhaka"),
    ("PartnerSelected", "National Referral Mechanism BD"),
    ("ReferralWithdrawn", "National Referral Mechanism BD"),
]
REFERRAL_TYPES = {t for t, _ in MILESTONES} | {"SafetyChecked"}


async def test_the_case_timeline_shows_the_referral_to_officers_and_nothing_to_members(
    platform,  # noqa: F811
):
    await platform.register_partners()
    referral_id = await platform.file_and_escalate()
    case_id = case_stream(platform.filed["grievance_id"])
    await chosen(platform, referral_id)
    base = f"/v1/referrals/{referral_id}"
    on_phone = platform.token(sub="officer-on-the-phone")
    await platform.post(f"{base}/partners/safe-home/consent", PHONE, on_phone)
    await platform.caught_up(referral_id)
    partner = f"/v1/partner/referrals/{referral_id}"
    await platform.post(f"{partner}/acknowledge", None, platform.partner())
    await platform.post(f"{partner}/accept", None, platform.partner())
    await platform.post(f"{partner}/close", {"outcome": "services_completed"}, platform.partner())
    nrm = {"partner_id": "nrm-bd", "services": ["victim_identification"]}
    await platform.post(f"{base}/partners", nrm)
    await platform.post(f"{base}/partners/nrm-bd/withdraw")
    version = await platform.system.store.stream_version(referral_id)
    assert await wait_for_version(platform.system.pool, CaseViews(), referral_id, version,
                                  timeout=30)  # fmt: skip

    officer = await platform.cases.get(f"/v1/cases/{case_id}/timeline", headers=platform.token())
    assert officer.status_code == 200, officer.text
    items = officer.json()["items"]
    referral = [i for i in items if i["type"] in REFERRAL_TYPES]
    assert [(i["type"], i["details"].get("partner")) for i in referral] == MILESTONES
    # After the case's own entries of the triage that recommended it, in the log's order.
    types = [i["type"] for i in items]
    assert types.index("ReferralRecommended") < types.index("ReferralOpened")
    by_type = {i["type"]: i for i in referral}
    assert by_type["ReferralSent"]["details"]["basis"] == "consent"
    assert by_type["ReferralSent"]["details"]["fields"] == ["contact"]
    assert by_type["ConsentGiven"]["details"]["channel"] == "phone"
    assert by_type["ReferralClosed"]["details"]["outcome"] == "services_completed"
    assert by_type["ReferralAccepted"]["actor"] == "partner"
    # Codes and names of fields only: nothing the worker wrote or is called.
    for private in (GRIEVANCE["narrative"], GRIEVANCE["contact"]["name"],
                    GRIEVANCE["contact"]["phone_or_email"], "employer", "recruiter"):  # fmt: skip
        assert private not in officer.text

    # The member company whose supply chain it is sees the case, and nothing of the referral.
    member = platform.token(("member",), org="acme-apparel", sub="buyer-1")
    theirs = await platform.cases.get(f"/v1/cases/{case_id}/timeline", headers=member)
    assert theirs.status_code == 200, theirs.text
    assert theirs.json()["items"], theirs.text  # the control: the member reads the timeline
    for canary in ("Referral", "Partner", "Consent", "Safe Home", "nrm-bd", "safe-home"):
        assert canary not in theirs.text, canary

    # The officer's case page in the console says each milestone, with the partner.
    async with browser_for(platform) as browser:
        await log_in(browser, bearer(platform.token()))
        page = await browser.get(f"/console/cases/{case_id}")
    assert page.status_code == 200, page.text
    timeline = re.sub(r"</?bdi>", "", page.text[page.text.index('id="events"') :])
    for words in ("Referral: partner proposed", "Referral: the worker consented",
                  "Referral sent to the partner", "Referral accepted by the partner",
                  "Referral closed by the partner", "Referral withdrawn from the partner",
                  "Partner: Safe Home Dhaka", "Partner: National Referral Mechanism BD",
                  "Basis: Consent", "Outcome: Services completed"):  # fmt: skip
        assert words in timeline, words
