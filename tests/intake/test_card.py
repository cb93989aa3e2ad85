"""The card auditors hand workers: in the worker's language, the hotline to call, the report
form's address, and that no name is needed; one to a printed page."""

from __future__ import annotations

from tests.intake.conftest import TENANT
from tests.intake.test_hotline import LINK, NUMBER, give_hotline
from tests.intake.test_worker_errors import tr


async def test_the_card_gives_the_hotline_and_the_form_in_the_workers_language(intake):
    card = await intake.client.get(f"/t/{TENANT}/card?lang=bn")
    assert card.status_code == 200, card.text
    assert tr(intake, "bn", "You do not have to give your name.") in card.text
    address = f"http://test/t/{TENANT}/report?lang=bn"  # opens in the card's language
    web = tr(intake, "bn", "Or report on our website: %(address)s")
    assert web % {"address": f'<a href="{address}" dir="ltr">{address}</a>'} in card.text
    assert "tel:" not in card.text  # no number given yet: none is made up
    await give_hotline(intake, NUMBER)
    card = await intake.client.get(f"/t/{TENANT}/card?lang=ar")
    call = tr(intake, "ar", "To talk to us, call %(hotline)s.") % {"hotline": LINK}
    assert f'<p class="card-call">{call}</p>' in card.text
    assert 'dir="rtl"' in card.text and "@media print{header,footer" in card.text
    unknown = await intake.client.get("/t/nobody/card?lang=bn")
    assert unknown.status_code == 404 and "<html" in unknown.text
