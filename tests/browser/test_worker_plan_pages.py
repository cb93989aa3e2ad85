"""The status page's plan in headless Chromium on a 360 px phone screen.

A worker reads, without JavaScript, the actions of their case's plan and who does each,
objects to it with a comment, and says that an action done did not reach them; each state
passes axe-core without serious or critical findings and never scrolls sideways.
"""

from __future__ import annotations

from datetime import date

import pytest
from playwright.async_api import expect

from redress.events.catalogue.case import CaseOpened, PlanActionAdded, PlanActionUpdated
from redress.events.envelope import Actor, Metadata
from redress.events.ids import derived_stream
from redress.events.projection import wait_for_version
from redress.intake.projections import Grievances
from redress.intake.texts import DELIVERED, OWNERS, PLAN_ANSWERS
from tests.browser.test_worker_loop_pages import check
from tests.browser.test_worker_pages import (
    file_from_the_form,
    gettext,
    log_in,
)

pytestmark = pytest.mark.browser

ACTIONS = {
    "bn": "তিন মাসের ওভারটাইমের বকেয়া মজুরি পরিশোধ",
    "ar": "دفع أجور العمل الإضافي المتأخرة عن ثلاثة أشهر",
}
COMMENTS = {
    "bn": "টাকা হাতে নগদ দিতে হবে, দালালের মাধ্যমে নয়।",
    "ar": "يجب أن يُدفع المبلغ نقدًا لي مباشرة، لا عن طريق الوسيط.",
}
OFFICER = Metadata(tenant="acme", actor=Actor(id="officer-1", role="officer"))


@pytest.mark.parametrize("lang", ["bn", "ar"])
async def test_a_worker_reads_the_plan_objects_and_says_what_reached_them_without_javascript(
    site, page_without_js, page, lang
):
    _ = gettext(site, lang)
    plain = page_without_js
    reference, secret, grievance_id = await file_from_the_form(site, plain, lang)
    # What cases writes: the case, and a plan with one action.
    case_id = derived_stream("case", grievance_id)
    ids = {"case_id": case_id, "grievance_id": grievance_id}
    plan = [CaseOpened(**ids, category="wages_and_benefits", country="BD"),
            PlanActionAdded(case_id=case_id, action_id="a-1", remedy="wage_restitution",
                            owner="supplier", due_on=date(2030, 1, 31),
                            description=ACTIONS[lang])]  # fmt: skip
    await site.system.store.append(case_id, plan, 0, OFFICER)
    assert await wait_for_version(site.system.pool, Grievances(), case_id, 2, timeout=30)

    await plain.goto(site.url(f"/status?lang={lang}"))
    await log_in(plain, reference, secret)
    await expect(plain.locator("#plan .owner")).to_have_text(_(OWNERS["supplier"]))
    await expect(plain.locator("#plan")).to_contain_text(ACTIONS[lang])
    await page.goto(site.url(f"/status?lang={lang}"))
    await log_in(page, reference, secret)
    await expect(page.locator("#plan-form")).to_be_visible()
    await check(page, f"plan ({lang})")

    await plain.fill("#plan-comment", COMMENTS[lang])
    # Another language on the way keeps the comment being written (no JavaScript).
    other = "ar" if lang == "bn" else "bn"
    await plain.click(f"nav button[lang={other}]")
    await expect(plain.locator("html")).to_have_attribute("lang", other)
    await expect(plain.locator("#plan-comment")).to_have_value(COMMENTS[lang])
    await plain.click(f"nav button[lang={lang}]")  # and back
    await expect(plain.locator("html")).to_have_attribute("lang", lang)
    await expect(plain.locator("#plan-comment")).to_have_value(COMMENTS[lang])
    await plain.click("#plan-form button[value=object]")
    await expect(plain.locator("#plan-answer")).to_have_text(_(PLAN_ANSWERS["object"]))

    done = PlanActionUpdated(case_id=case_id, action_id="a-1", progress="✓", done=True)
    await site.system.store.append(case_id, [done], 2, OFFICER)
    assert await wait_for_version(site.system.pool, Grievances(), case_id, 3, timeout=30)
    await plain.reload()
    await plain.click("#plan button[name=delivered][value=no]")
    await expect(plain.locator("#plan .delivered")).to_have_text(_(DELIVERED[False]))
    await page.reload()
    await expect(page.locator("#plan-answer")).to_be_visible()
    await check(page, f"plan answered ({lang})")
