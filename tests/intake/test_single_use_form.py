"""The report form is single-use and answers with a redirect to a receipt shown once."""

import asyncio
import re
import time

from redress.intake import single_use
from tests.intake.conftest import TENANT
from tests.intake.test_web import fresh_form, receipt_of, report_fields


async def receipts(intake) -> int:
    async with intake.system.pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM intake.receipts")


async def test_a_form_sent_twice_files_one_grievance_and_lands_on_the_same_receipt(intake):
    tokens = await fresh_form(intake)
    before = await intake.events()
    first = await intake.client.post(f"/t/{TENANT}/report", data=report_fields(tokens))
    assert first.status_code == 303
    assert first.headers["location"] == f"/t/{TENANT}/receipt?lang=en"
    filed = await intake.events()
    assert filed > before
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert f"Path=/t/{TENANT}/receipt" in cookie and "Max-Age=300" in cookie
    reference, secret = receipt_of(await intake.client.get(first.headers["location"]))
    digits = secret.replace(" ", "")
    assert digits not in first.headers["location"] and digits not in cookie
    assert reference not in cookie  # sealed, not merely signed

    again = await intake.client.post(f"/t/{TENANT}/report", data=report_fields(tokens))
    assert again.status_code == 303 and digits not in again.headers["location"]
    assert await intake.events() == filed and await receipts(intake) == 1
    assert receipt_of(await intake.client.get(again.headers["location"])) == (reference, secret)


async def test_the_receipt_is_shown_once(intake):
    tokens = await fresh_form(intake)
    sent = await intake.client.post(f"/t/{TENANT}/report", data=report_fields(tokens))
    shown = await intake.client.get(sent.headers["location"])
    _, secret = receipt_of(shown)
    assert 'href="?lang=' not in shown.text  # no link that would reload it away
    assert 'receipt=""' in shown.headers["set-cookie"]  # cleared as it is shown
    reload = await intake.client.get(sent.headers["location"])
    assert reload.status_code == 200
    assert secret not in reload.text and 'id="secret"' not in reload.text
    assert "already sent" in reload.text and 'id="gone"' in reload.text


async def test_a_double_click_files_one_grievance(intake):
    tokens = await fresh_form(intake)
    fields = report_fields(tokens)
    answers = await asyncio.gather(
        intake.client.post(f"/t/{TENANT}/report", data=fields),
        intake.client.post(f"/t/{TENANT}/report", data=fields),
    )
    assert [a.status_code for a in answers] == [303, 303]
    assert await receipts(intake) == 1
    # Whichever answer the browser shows, it leads to the receipt.
    page = await intake.client.get(answers[1].headers["location"])
    assert re.search(r'id="secret">[0-9 ]{19}<', page.text)


async def test_a_repeat_long_after_shows_that_the_report_was_sent(intake):
    tokens = await fresh_form(intake)
    sent = await intake.client.post(f"/t/{TENANT}/report", data=report_fields(tokens))
    receipt_of(await intake.client.get(sent.headers["location"]))
    async with intake.system.pool.acquire() as conn:
        await conn.execute("UPDATE intake.used_forms SET used_at = now() - interval '1 hour'")
    later = await intake.client.post(
        f"/t/{TENANT}/report", data=report_fields(tokens), follow_redirects=True
    )
    assert 'id="gone"' in later.text and 'id="secret"' not in later.text
    assert await receipts(intake) == 1


async def test_an_expired_or_missing_form_id_files_nothing_and_keeps_what_was_typed(intake):
    key = intake.app.state.runtime.extras["intake"].form_key
    tokens = await fresh_form(intake)
    old = single_use.issue(key, now=time.time() - 25 * 3600)
    before = await intake.events()
    for form_id in (old, None, "1.2.3"):
        fields = report_fields({**tokens, "form_id": form_id}, lang="ar")
        page = await intake.client.post(f"/t/{TENANT}/report", data=fields)
        assert page.status_code == 403
        assert 'lang="ar" dir="rtl"' in page.text and 'id="notice"' in page.text
        assert "Overtime has not been paid for three months.</textarea>" in page.text
        assert 'name="form_id"' in page.text  # a fresh form to send again
    assert await intake.events() == before
