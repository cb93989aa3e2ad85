"""After the worker erases their data, referral holds nothing of theirs it can open or add to:
an emergency's explanation sealed before is gone for good (410, its reading not recorded),
and no new explanation can be sealed for them (409, the proposal not written)."""

from __future__ import annotations

from redress.referral.explanation import reads_stream
from tests.intake.test_rotation import erase_by_worker
from tests.referral.conftest import WorkerPages
from tests.referral.test_console import alert, post, staff
from tests.referral.test_flow import chosen

GROUNDS = {"grounds": "threat_to_life", "explanation": "The agent said he would move her."}


async def test_an_explanation_is_neither_read_nor_sealed_once_the_worker_erased_their_data(
    platform,
):
    await platform.register_partners()
    referral_id = await platform.file_and_escalate()
    await chosen(platform, referral_id, danger=True)
    base = f"/v1/referrals/{referral_id}/partners"
    await platform.post(f"{base}/safe-home/emergency", GROUNDS, platform.token(sub="officer-1"))
    await platform.post(f"{base}", {"partner_id": "nrm-bd", "services": ["protection"]})
    await erase_by_worker(
        WorkerPages(platform.intake), platform.filed["reference"], platform.filed["secret"]
    )
    before = await platform.log_types(referral_id)

    page = f"/console/referrals/{referral_id}"
    async with staff(platform, platform.token(sub="officer-2")) as client:
        read = await post(client, page, f"{page}/partners/safe-home/explanation")
    assert read.status_code == 410, read.text
    assert "personal data was erased" in alert(read.text)
    assert await platform.system.store.read_stream(reads_stream(referral_id)) == []

    refused = await platform.referral.post(
        f"{base}/nrm-bd/emergency", json=GROUNDS, headers=platform.token(sub="officer-2")
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "urn:redress:problem:personal-data-erased"
    assert "nothing more can be sealed" in refused.json()["detail"]
    assert await platform.log_types(referral_id) == before
