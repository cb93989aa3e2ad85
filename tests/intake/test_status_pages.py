"""The status and proof pages: erasure asks first, the chosen language survives opening the
report, and a proof of filing says which report it proves and when."""

import base64
import re
from datetime import UTC, datetime

import pytest
from babel.dates import format_datetime

from redress.intake import texts
from tests.events.helpers import wait_until
from tests.intake.conftest import TENANT
from tests.intake.test_web import file_report, fresh_form, report_fields
from tests.intake.test_worker_errors import _open, assert_page, tr

CONSEQUENCES = [
    "Erasing cannot be undone.",
    "The grievance officer will no longer be able to read what you wrote, your messages or "
    "your files, or to contact you.",
    "Without them, your case may not be able to go on.",
]


def csrf_in(page) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)


# The keyring's keys but the lookup key that hashes workers' numbers (ADR 40).
GRIEVANCE_KEYS = "SELECT count(*) FROM keyring.data_keys WHERE key_id NOT LIKE 'lookup-%'"


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_erasing_asks_first_and_says_what_it_means(intake, lang):
    reference, secret = await file_report(intake, lang=lang)
    status = await _open(intake.client, reference, secret, lang)
    before = await intake.events()
    asked = await intake.client.post(
        f"/t/{TENANT}/status?lang={lang}", data={"csrf": csrf_in(status), "do": "erase"}
    )
    assert_page(asked, lang, 200)
    for sentence in CONSEQUENCES:
        assert tr(intake, lang, sentence) in asked.text
    assert '<input type="hidden" name="confirm" value="yes">' in asked.text
    assert f'id="cancel">{tr(intake, lang, "No, go back to my report")}' in asked.text
    assert await intake.events() == before  # asking erased nothing
    async with intake.system.pool.acquire() as conn:
        assert await conn.fetchval(GRIEVANCE_KEYS) == 1

    erased = await intake.client.post(
        f"/t/{TENANT}/status?lang={lang}",
        data={"csrf": csrf_in(asked), "do": "erase", "confirm": "yes"},
        follow_redirects=True,
    )
    assert tr(intake, lang, texts.ERASED) in erased.text
    # The thread is gone with the data, and the page says so rather than "no messages yet".
    assert tr(intake, lang, "The messages were erased with your personal data.") in erased.text
    assert tr(intake, lang, "No messages yet.") not in erased.text
    async with intake.system.pool.acquire() as conn:
        assert await conn.fetchval(GRIEVANCE_KEYS) == 0


async def test_the_question_before_withdrawing_can_be_read_in_another_language(intake):
    reference, secret = await file_report(intake, lang="en")
    status = await _open(intake.client, reference, secret, "en")
    asked = await intake.client.post(
        f"/t/{TENANT}/status?lang=en", data={"csrf": csrf_in(status), "do": "withdraw"}
    )
    # The link names the report the question is about (sealed), as the question's form does.
    found = re.search(
        rf'<a href="(/t/{TENANT}/status/confirm\?do=withdraw&amp;origin=[\w-]+&amp;lang=ar)" '
        'lang="ar"', asked.text,
    )  # fmt: skip
    assert found, asked.text
    link = found.group(1)
    other = await intake.client.get(link.replace("&amp;", "&"))
    assert_page(other, "ar", 200)
    assert tr(intake, "ar", "Withdraw your report?") in other.text
    origin = re.search(r'name="origin" value="([^"]+)"', other.text).group(1)
    assert f"origin={origin}&amp;" in link
    before = await intake.events()
    withdrawn = await intake.client.post(
        f"/t/{TENANT}/status?lang=ar",
        data={"csrf": csrf_in(other), "do": "withdraw", "confirm": "yes", "origin": origin},
        follow_redirects=True,
    )
    assert tr(intake, "ar", texts.WITHDRAWN) in withdrawn.text
    assert await intake.events() == before + 1
    # Without an open report, the link leads to the page that opens one; nothing is asked.
    intake.client.cookies.delete("receipt_session")
    ended = await intake.client.get(link.replace("&amp;", "&"))
    assert ended.status_code == 303 and ended.headers["location"] == f"/t/{TENANT}/status?lang=ar"
    bad = await intake.client.get(f"/t/{TENANT}/status/confirm?do=erase-all&lang=ar")
    assert_page(bad, "ar", 422)


async def test_the_language_chosen_before_opening_survives_the_login(intake):
    reference, secret = await file_report(intake, lang="en")
    login = await intake.client.get(f"/t/{TENANT}/status?lang=ar")
    assert '<input type="hidden" name="lang" value="ar">' in login.text
    wrong = await intake.client.post(
        f"/t/{TENANT}/status/open",
        data={"csrf": csrf_in(login), "reference": reference, "secret": "1", "lang": "ar"},
    )
    assert 'lang="ar"' in wrong.text and 'name="lang" value="ar"' in wrong.text
    opened = await intake.client.post(
        f"/t/{TENANT}/status/open",
        data={"csrf": csrf_in(login), "reference": reference, "secret": secret, "lang": "ar"},
    )
    assert opened.headers["location"] == f"/t/{TENANT}/status?lang=ar"
    page = await intake.client.get(opened.headers["location"])
    assert 'lang="ar" dir="rtl"' in page.text and reference in page.text


async def test_without_a_choice_the_report_speaks_its_own_language(intake):
    reference, secret = await file_report(intake, lang="bn")
    login = await intake.client.get(f"/t/{TENANT}/status", headers={"Accept-Language": "fr"})
    assert 'lang="fr"' in login.text and 'name="lang"' not in login.text
    opened = await intake.client.post(
        f"/t/{TENANT}/status/open",
        data={"csrf": csrf_in(login), "reference": reference, "secret": secret},
        follow_redirects=True,
    )
    assert 'lang="bn"' in opened.text


def proof_time(proof: str) -> datetime:
    body = proof.split(".")[0]
    fields = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode().split("|")
    return datetime.fromisoformat(fields[1])


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_a_proof_says_which_report_it_proves_and_when(intake, lang):
    tokens = await fresh_form(intake)
    receipt = await intake.client.post(
        f"/t/{TENANT}/report", data=report_fields(tokens, lang=lang), follow_redirects=True
    )
    reference = re.search(r'id="reference">([^<]+)<', receipt.text).group(1)
    proof = re.search(r'id="proof">([^<]+)<', receipt.text).group(1)
    await wait_until(lambda: _projected(intake))
    form = await intake.client.get(f"/t/{TENANT}/verify?lang={lang}")
    checked = await intake.client.post(
        f"/t/{TENANT}/verify?lang={lang}", data={"csrf": csrf_in(form), "proof": proof}
    )
    assert_page(checked, lang, 200)
    when = format_datetime(proof_time(proof), "long", tzinfo=UTC, locale=lang)
    said = tr(intake, lang, texts.PROOF_VALID, reference=reference, time=when)
    assert f'id="result" class="valid">{said}</p>' in checked.text
    assert reference in said and str(proof_time(proof).year) in when

    forged = proof[:-3] + ("AAA" if not proof.endswith("AAA") else "BBB")
    refused = await intake.client.post(
        f"/t/{TENANT}/verify?lang={lang}", data={"csrf": csrf_in(form), "proof": forged}
    )
    assert f'class="error">{tr(intake, lang, texts.PROOF_INVALID)}</p>' in refused.text
    assert reference not in refused.text.split('id="result"')[1].split("</p>")[0]
    # Sent empty (the form leaves the check to the server), the page says so in its language.
    assert "novalidate" in re.search(r"<form [^>]*>", form.text).group(0)
    empty = await intake.client.post(
        f"/t/{TENANT}/verify?lang={lang}", data={"csrf": csrf_in(form), "proof": ""}
    )
    assert empty.status_code == 422 and f'lang="{lang}"' in empty.text


async def _projected(intake):
    async with intake.system.pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM intake.grievances") > 0


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_receipt_and_what_is_typed_from_it_read_left_to_right(intake, lang):
    """In Arabic a number written in groups is drawn right to left unless marked: the worker
    would copy the secret's groups in the wrong order and never open the report again."""
    tokens = await fresh_form(intake)
    receipt = await intake.client.post(
        f"/t/{TENANT}/report", data=report_fields(tokens, lang=lang), follow_redirects=True
    )
    for part in ("reference", "secret"):
        assert f'<code dir="ltr" id="{part}">' in receipt.text
    assert '<p class="proof" dir="ltr" id="proof">' in receipt.text
    login = await intake.client.get(f"/t/{TENANT}/status?lang={lang}")
    for part in ("reference", "secret"):
        assert re.search(rf'<input id="{part}" name="{part}" dir="ltr"', login.text)


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_a_withdrawn_report_expects_nothing_by_any_date(intake, lang):
    reference, secret = await file_report(intake, lang=lang)
    await wait_until(lambda: _projected(intake))
    async with intake.system.pool.acquire() as conn:  # given: the case has a stage due
        await conn.execute(
            "UPDATE intake.grievances SET stage_due = current_date + 7 WHERE reference = $1",
            reference,
        )
    status = await _open(intake.client, reference, secret, lang)
    assert 'id="due"' in status.text
    asked = await intake.client.post(
        f"/t/{TENANT}/status?lang={lang}", data={"csrf": csrf_in(status), "do": "withdraw"}
    )
    assert_page(asked, lang, 200)  # it cannot be undone: asked first
    assert tr(intake, lang, "Withdraw your report?") in asked.text
    withdrawn = await intake.client.post(
        f"/t/{TENANT}/status?lang={lang}",
        data={"csrf": csrf_in(asked), "do": "withdraw", "confirm": "yes"},
        follow_redirects=True,
    )
    assert tr(intake, lang, texts.WITHDRAWN) in withdrawn.text
    assert tr(intake, lang, texts.STATUS["withdrawn"]) in withdrawn.text
    assert 'id="due"' not in withdrawn.text


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_a_message_says_when_in_words_no_one_reads_the_wrong_way_round(intake, lang):
    """`12/6/26` is the 6th of December to some and the 12th of June to others: a message's
    time is written with its month's name, as the page's other dates are."""
    reference, secret = await file_report(intake, lang=lang)
    status = await _open(intake.client, reference, secret, lang)
    replied = await intake.client.post(
        f"/t/{TENANT}/status?lang={lang}",
        data={"csrf": csrf_in(status), "do": "reply", "message": "Une autre chose."},
        follow_redirects=True,
    )
    meta = re.search(r'<div class="msg worker"><p class="meta">[^<]*· ([^<]+)</p>', replied.text)
    assert meta is not None, replied.text
    async with intake.system.pool.acquire() as conn:
        sent = await conn.fetchval(
            "SELECT max(t.time) FROM intake.thread t JOIN intake.grievances g USING (grievance_id)"
            " WHERE g.reference = $1",
            reference,
        )
    month = format_datetime(sent, "MMMM", tzinfo=UTC, locale=lang)
    assert month in meta.group(1) and str(sent.year) in meta.group(1)
    assert "/" not in meta.group(1) and meta.group(1).endswith(" (UTC)")  # the zone named
    # A message in another script than the page's runs in its own direction.
    assert '<p dir="auto">Une autre chose.</p>' in replied.text
    # The server, not the browser, says what is missing: in the worker's language, where a
    # browser's bubble ("Please fill out this field.") speaks its own.
    forms = re.findall(r"<form [^>]*>", replied.text)
    assert forms and all("novalidate" in f for f in forms), forms
    # Nor does the browser put back what was typed when Back returns to a page (a phone
    # others pick up): no form's boxes are restored.
    assert all('autocomplete="off"' in f for f in forms), forms


async def test_changing_language_on_the_status_page_keeps_the_reply_being_written(intake):
    """The languages are buttons of the reply's form: the worker half-way through a reply,
    who switches to read the page in Arabic, finds it and their retaliation tick there, and
    nothing is sent."""
    reference, secret = await file_report(intake, lang="en")
    status = await _open(intake.client, reference, secret, "en")
    assert 'form="reply-form"' in status.text and 'name="do" value="switch"' in status.text
    # The button asks for the page in its own language, not the one shown (`?lang=en?lang=ar`
    # named no language, and the page came back in the browser's).
    (asked,) = re.findall(r'formaction="([^"]+)" name="do" value="switch"[^>]* lang="ar"',
                          status.text)  # fmt: skip
    assert asked == f"/t/{TENANT}/status?lang=ar"
    before = await intake.events()
    switched = await intake.client.post(
        asked,
        data={"csrf": csrf_in(status), "do": "switch", "message": "They cut my hours.",
              "retaliation": "yes"},
    )  # fmt: skip
    assert_page(switched, "ar", 200)
    assert "required>They cut my hours.</textarea>" in switched.text
    assert re.search(r'id="retaliation" name="retaliation" value="yes" checked', switched.text)
    assert await intake.events() == before


async def test_a_report_with_no_way_to_contact_the_worker_is_not_offered_contact(intake):
    """Allowing contact without a number or an address promised what nobody could do: the
    page says there is no way to contact the worker, and offers no button."""
    no_way = "You gave no way to contact you (a phone number or an email address), so nobody can contact you."  # noqa: E501
    reference, secret = await file_report(intake, lang="th", contact="")
    page = await _open(intake.client, reference, secret, "th")
    assert tr(intake, "th", no_way) in page.text
    assert 'name="do" value="contact-yes"' not in page.text
    assert 'name="do" value="contact-no"' not in page.text
    reference, secret = await file_report(intake, lang="th")  # with a number, no consent
    page = await _open(intake.client, reference, secret, "th")
    assert tr(intake, "th", no_way) not in page.text
    assert 'name="do" value="contact-yes"' in page.text


async def test_the_login_pages_languages_keep_the_reference_typed_and_never_the_secret(intake):
    """The page asking for the receipt changes language from within its form: a link would
    leave the reference typed behind. The secret is never written back on a page."""
    page = await intake.client.get(f"/t/{TENANT}/status?lang=en")
    assert_page(page, "en", 200)
    assert 'name="switch_to" value="bn"' in page.text and "?lang=bn" not in page.text
    before = await intake.events()
    switched = await intake.client.post(f"/t/{TENANT}/status/open", data={
        "csrf": csrf_in(page), "lang": "en", "switch_to": "bn",
        "reference": "R-ABCD-1234", "secret": "98765432"})  # fmt: skip
    assert_page(switched, "bn", 200)
    assert 'value="R-ABCD-1234"' in switched.text and "98765432" not in switched.text
    assert 'role="alert"' not in switched.text  # nothing was tried
    assert await intake.events() == before


async def test_a_reply_sent_twice_is_posted_once(intake):
    """A double tap on a slow phone sends the reply's form twice: the worker's message is
    posted once, and the second answer says it was sent, as the first did. The next page's
    form takes the next reply."""
    reference, secret = await file_report(intake, lang="ar")
    status = await _open(intake.client, reference, secret, "ar")
    form_id = re.search(r'name="form_id" value="([^"]+)"', status.text).group(1)
    origin = re.search(r'name="origin" value="([^"]+)"', status.text).group(1)
    reply = {"csrf": csrf_in(status), "do": "reply", "message": "أخذوا جواز سفري.",
             "origin": origin, "form_id": form_id}  # fmt: skip
    answers = [await intake.client.post(f"/t/{TENANT}/status?lang=ar", data=reply)
               for _ in range(2)]  # fmt: skip
    assert [a.status_code for a in answers] == [303, 303]
    assert all("done=sent" in a.headers["location"] for a in answers)

    async def posted() -> list:
        async with intake.system.pool.acquire() as conn:
            return await conn.fetch(
                "SELECT 1 FROM intake.thread t JOIN intake.grievances g USING (grievance_id)"
                " WHERE g.reference = $1 AND t.author = 'worker'", reference,
            )  # fmt: skip

    assert len(await posted()) == 1
    after = await intake.client.get(answers[1].headers["location"])
    again = {
        **reply,
        "csrf": csrf_in(after),
        "message": "وهددوني.",
        "form_id": re.search(r'name="form_id" value="([^"]+)"', after.text).group(1),
    }
    assert again["form_id"] != form_id
    sent = await intake.client.post(f"/t/{TENANT}/status?lang=ar", data=again)
    assert sent.status_code == 303, sent.text
    assert len(await posted()) == 2
