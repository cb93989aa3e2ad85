"""Referral's lists and directory reads answer what its OpenAPI documents, to officers and to
admins; a field a handler adds, or drops, without its model fails here."""

from __future__ import annotations

from tests.events.helpers import wait_until
from tests.kit.documented import Documented
from tests.referral.test_flow import sent_to_shelter


async def test_the_referrals_and_the_directory_are_as_documented(platform):
    documented = Documented(platform.referral_app)
    referral_id = await sent_to_shelter(platform)
    admin, officer = platform.admin(), platform.token()
    endpoint = {"url": "https://hooks.safehome.example/redress"}
    await platform.post("/v1/partners/safe-home/endpoints", endpoint, admin)
    personal = f"/v1/partner/referrals/{referral_id}/personal"
    assert (await platform.referral.get(personal, headers=platform.partner())).status_code == 200
    disclosures = f"/v1/referrals/{referral_id}/disclosures"

    async def disclosed() -> bool:
        return bool((await platform.referral.get(disclosures, headers=officer)).json()["items"])

    await wait_until(disclosed)
    for path, headers in [
        ("/v1/referrals", officer),
        ("/v1/referrals/{referral_id}", officer),
        ("/v1/referrals/{referral_id}/timeline", officer),
        ("/v1/referrals/{referral_id}/disclosures", officer),
        ("/v1/partners", officer),
        ("/v1/partners/{partner_id}", officer),
        ("/v1/partners/{partner_id}", admin),
        ("/v1/referral-settings", officer),
    ]:
        url = path.format(referral_id=referral_id, partner_id="safe-home")
        answer = await platform.referral.get(url, headers=headers)
        assert answer.status_code == 200, (path, answer.text)
        body = documented.check(answer, path)
        assert body, path
    shown = await platform.referral.get("/v1/partners/safe-home", headers=officer)
    assert "endpoints" not in shown.json()  # documented as the admins' only
    assert documented.unseen() == {}
