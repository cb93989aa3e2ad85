"""The worker's pages: file, get a receipt, come back with it, talk, withdraw, erase."""

import io
import re

from PIL import Image

from redress.intake import texts
from tests.events.helpers import wait_until
from tests.intake.conftest import TENANT


async def fresh_form(intake, path: str = f"/t/{TENANT}/report") -> dict:
    """The tokens of a report form as the page renders it: CSRF and the single-use form id."""
    page = await intake.client.get(path)
    return {
        "csrf": re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1),
        "form_id": re.search(r'name="form_id" value="([^"]+)"', page.text).group(1),
    }


def report_fields(tokens: dict, **extra) -> dict:
    fields = {
        **tokens,
        "lang": "en",
        "country": "BD",
        "site_id": "dhaka-1",
        "category": "wages_and_benefits",
        "narrative": "Overtime has not been paid for three months.",
        "contact": "+8801700000000",
        "submit": "1",
    }
    fields.update(extra)
    return fields


async def file_report(intake, **extra) -> tuple[str, str]:
    tokens = await fresh_form(intake)
    sent = await intake.client.post(f"/t/{TENANT}/report", data=report_fields(tokens, **extra))
    assert sent.status_code == 303, sent.text
    page = await intake.client.get(sent.headers["location"])
    return receipt_of(page)


def receipt_of(page) -> tuple[str, str]:
    assert page.status_code == 200, page.text
    reference = re.search(r'id="reference">([^<]+)<', page.text).group(1)
    secret = re.search(r'id="secret">([^<]+)<', page.text).group(1)
    return reference, secret


async def open_status(intake, reference, secret):
    csrf = await intake.csrf(f"/t/{TENANT}/status")
    return await intake.client.post(
        f"/t/{TENANT}/status/open",
        data={"csrf": csrf, "reference": reference, "secret": secret},
        follow_redirects=True,
    )


async def test_report_receipt_and_follow_up(intake):
    form = await intake.client.get(f"/t/{TENANT}/report")
    assert form.status_code == 200
    assert "Dhaka Knit" in form.text and 'dir="ltr"' in form.text
    reference, secret = await file_report(intake)
    assert reference.startswith("R-") and len(secret.replace(" ", "")) == 16
    status = await open_status(intake, reference, secret)
    assert status.status_code == 200
    assert reference in status.text and "Received" in status.text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', status.text).group(1)
    replied = await intake.client.post(
        f"/t/{TENANT}/status",
        data={"csrf": csrf, "do": "reply", "message": "I also saw this."},
        follow_redirects=True,
    )
    assert "I also saw this." in replied.text and "Your message was sent." in replied.text
    before = await intake.events()
    asked = await intake.client.post(f"/t/{TENANT}/status", data={"csrf": csrf, "do": "withdraw"})
    assert asked.status_code == 200 and "Withdraw your report?" in asked.text
    assert '<button class="primary danger" type="submit" name="do" value="withdraw">' in asked.text
    assert await intake.events() == before  # asking withdrew nothing
    withdrawn = await intake.client.post(
        f"/t/{TENANT}/status",
        data={"csrf": csrf, "do": "withdraw", "confirm": "yes"},
        follow_redirects=True,
    )
    assert "Withdrawn at your request" in withdrawn.text
    assert "nobody will contact you about it" in withdrawn.text
    # Withdrawn, what identifies the worker is still theirs to erase.
    assert 'id="erase-form"' in withdrawn.text and 'value="erase"' in withdrawn.text
    erased = await intake.client.post(
        f"/t/{TENANT}/status",
        data={"csrf": csrf, "do": "erase", "confirm": "yes"},
        follow_redirects=True,
    )
    assert "Your personal data was erased" in erased.text
    assert "I also saw this." not in erased.text


async def test_accept_language_and_switcher_keeps_what_was_typed(intake):
    arabic = await intake.client.get(
        f"/t/{TENANT}/report", headers={"Accept-Language": "ar,en;q=0.5"}
    )
    assert 'lang="ar" dir="rtl"' in arabic.text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', arabic.text).group(1)
    switched = await intake.client.post(
        f"/t/{TENANT}/report",
        data={"csrf": csrf, "lang": "ar", "switch_to": "bn", "narrative": "মজুরি দেওয়া হয়নি"},
    )
    assert switched.status_code == 200
    assert 'lang="bn" dir="ltr"' in switched.text
    assert "মজুরি দেওয়া হয়নি</textarea>" in switched.text


async def test_missing_fields_rerender_with_errors_and_record_nothing(intake):
    before = await intake.events()
    tokens = await fresh_form(intake)
    page = await intake.client.post(  # no workplace chosen either, which would give a country
        f"/t/{TENANT}/report", data=report_fields(tokens, narrative="", country="", site_id="")
    )
    assert page.status_code == 422
    assert 'id="narrative-error"' in page.text and 'id="country-error"' in page.text
    assert await intake.events() == before


async def test_forged_csrf_token_is_refused_and_records_nothing(intake):
    before = await intake.events()
    tokens = await fresh_form(intake)
    page = await intake.client.post(
        f"/t/{TENANT}/report", data=report_fields({**tokens, "csrf": "0" * 64})
    )
    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    assert 'id="notice"' in page.text and "has expired" in page.text
    assert "Overtime has not been paid for three months.</textarea>" in page.text
    assert await intake.events() == before


async def test_unknown_tenant_and_site_are_refused(intake):
    assert (await intake.client.get("/t/nobody/report")).status_code == 404
    before = await intake.events()
    tokens = await fresh_form(intake)
    page = await intake.client.post(
        f"/t/{TENANT}/report", data=report_fields(tokens, site_id="nope")
    )
    assert page.status_code == 422
    assert 'id="site_id-error"' in page.text
    assert await intake.events() == before


async def test_a_workplace_in_another_country_is_asked_again_and_one_alone_gives_its_country(
    intake,
):
    before = await intake.events()
    tokens = await fresh_form(intake)
    page = await intake.client.post(  # dhaka-1 is in Bangladesh
        f"/t/{TENANT}/report", data=report_fields(tokens, country="KH")
    )
    assert page.status_code == 422, page.text[:300]
    assert f'<p id="country-error" class="error">{texts.CHECK_FIELD}</p>' in page.text
    assert "Dhaka Knit (BD)" in page.text  # the list says where each workplace is
    assert await intake.events() == before
    # A workplace chosen with no country gives its own; with neither, a country is asked for.
    await file_report(intake, country="")
    async with intake.system.pool.acquire() as conn:
        filed = await conn.fetchval("""SELECT data->>'country' FROM eventlog.events
                                       WHERE type = 'GrievanceSubmitted'""")  # fmt: skip
    assert filed == "BD"
    tokens = await fresh_form(intake)
    page = await intake.client.post(
        f"/t/{TENANT}/report", data=report_fields(tokens, country="", site_id="")
    )
    assert page.status_code == 422, page.text[:300]
    assert f'<p id="country-error" class="error">{texts.CHOOSE_COUNTRY}</p>' in page.text


async def test_proof_of_filing_verifies_and_a_forged_one_does_not(intake):
    tokens = await fresh_form(intake)
    page = await intake.client.post(
        f"/t/{TENANT}/report", data=report_fields(tokens), follow_redirects=True
    )
    proof = re.search(r'id="proof">([^<]+)<', page.text).group(1)
    await wait_until(lambda: _projected(intake))  # the proof is checked against the record
    csrf = await intake.csrf(f"/t/{TENANT}/verify")
    valid = await intake.client.post(f"/t/{TENANT}/verify", data={"csrf": csrf, "proof": proof})
    assert "This proof is valid" in valid.text
    forged = proof[:-3] + ("AAA" if not proof.endswith("AAA") else "BBB")
    invalid = await intake.client.post(f"/t/{TENANT}/verify", data={"csrf": csrf, "proof": forged})
    assert "This proof is not valid" in invalid.text


async def test_attachments_are_checked_by_content_and_size(intake):
    png = tiny_png()
    tokens = await fresh_form(intake)
    before = await intake.events()
    fake = await intake.client.post(
        f"/t/{TENANT}/report",
        data=report_fields(tokens),
        files=[("files", ("photo.png", b"MZ\x90\x00 not an image", "image/png"))],
    )
    assert fake.status_code == 415
    too_big = await intake.client.post(
        f"/t/{TENANT}/report",
        data=report_fields(tokens),
        files=[("files", ("big.png", png + b"\0" * (10 * 1024 * 1024), "image/png"))],
    )
    assert too_big.status_code == 413
    too_many = await intake.client.post(
        f"/t/{TENANT}/report",
        data=report_fields(tokens),
        files=[("files", (f"p{i}.png", png, "image/png")) for i in range(6)],
    )
    assert too_many.status_code == 413
    assert await intake.events() == before
    ok = await intake.client.post(
        f"/t/{TENANT}/report",
        data=report_fields(tokens),
        files=[("files", ("p.png", png, "image/png"))],
    )
    assert ok.status_code == 303
    async with intake.system.pool.acquire() as conn:
        stored = await conn.fetchval("SELECT sealed::text FROM keyring.sealed_files")
    assert "PNG" not in stored


def tiny_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 120, 0)).save(out, "PNG")
    return out.getvalue()


async def _projected(intake):
    async with intake.system.pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM intake.grievances") > 0
