"""An initiative offers any of the platform's languages and sees which need a native speaker."""

from tests.intake.conftest import TENANT
from tests.intake.test_admin_pages import log_in
from tests.intake.test_tenant_api import admit_members

NEW = ["tl", "ms", "ta", "si", "ur", "uz", "ru", "uk", "tr", "pt", "sw", "am"]


async def test_the_new_languages_are_offered_and_marked_as_needing_review(intake):
    await admit_members(intake)
    admin = intake.token(roles=("admin",))
    settings = {"name": "Acme MSI", "time_zone": "Asia/Colombo", "working_days": [0, 1, 2, 3, 4],
                "languages": ["en", "ta", "si", "ur", "am"]}  # fmt: skip
    saved = await intake.client.put("/v1/tenant", json=settings, headers=admin)
    assert saved.status_code == 200, saved.text
    answer = await intake.client.get("/v1/tenant/languages", headers=admin)
    assert answer.status_code == 200, answer.text
    languages = {lang["code"]: lang for lang in answer.json()}
    assert len(languages) >= 25 and set(NEW) <= set(languages)
    offered = {code for code, lang in languages.items() if lang["offered"]}
    assert offered == {"en", "ta", "si", "ur", "am"}
    assert languages["en"]["review"] == "source"
    for code in NEW:
        assert languages[code]["review"] == "needs-review", code
        assert languages[code]["drafted_on"] and languages[code]["reviewed_by"] is None
    assert languages["ur"]["direction"] == languages["ar"]["direction"] == "rtl"
    assert (languages["ta"]["name"], languages["ta"]["direction"]) == ("தமிழ்", "ltr")
    # The worker form now offers Tamil, and a language it does not offer falls back.
    form = await intake.client.get(f"/t/{TENANT}/report", params={"lang": "ta"})
    assert form.status_code == 200 and 'lang="ta"' in form.text
    assert "பாதுகாப்பாக ஒரு குறையைத் தெரிவிக்கவும்" in form.text
    urdu = await intake.client.get(f"/t/{TENANT}/report", params={"lang": "ur"})
    assert 'lang="ur" dir="rtl"' in urdu.text


async def test_the_admin_page_shows_each_languages_review_state(intake):
    await admit_members(intake)
    assert await log_in(intake, intake.token(roles=("admin",))) == 303
    page = await intake.client.get(f"/t/{TENANT}/admin")
    assert page.status_code == 200
    assert '<span lang="ta">தமிழ்</span> (ta)</label></td>\n<td class="review needs-review">' \
           "needs review (drafted 2026-12-03)</td>" in page.text  # fmt: skip
    assert '(en)</label></td>\n<td class="review source">the original</td>' in page.text
