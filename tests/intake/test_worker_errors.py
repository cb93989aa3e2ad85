"""Whatever goes wrong on the worker pages comes back as a page in the worker's language that
keeps what they typed, marks the field concerned and says what to do; nothing is recorded."""

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from datetime import date, timedelta

import asyncpg
import httpx
import pytest

from redress.events.migrations import migrate
from redress.events.relay import Relay
from redress.intake import texts
from redress.intake.app import service
from redress.kit.auth import signer_for
from redress.kit.service import app_for
from tests.events.faults import pg_path
from tests.events.helpers import running, wait_until
from tests.intake.conftest import (
    CLIENT_ADDRESS,
    TENANT,
    Harness,
    intake_settings,
    register_tenant,
    serving,
)
from tests.intake.test_lookup_keys import text as sms_text
from tests.intake.test_web import file_report, fresh_form, open_status, report_fields, tiny_png

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
NARRATIVE = {"en": "Overtime has not been paid for three months.",
             "ar": "لم يُدفع أجر العمل الإضافي منذ ثلاثة أشهر."}  # fmt: skip
LANGS = ["en", "ar"]


def tr(intake, lang: str, message: str | texts.Counted, **args) -> str:
    pages = intake.app.state.runtime.extras["intake"].pages
    if isinstance(message, texts.Counted):  # its form for the number counted in `args`
        catalogue = pages.catalogues.get(lang)
        text = catalogue.ngettext(message.singular, message.plural, args[message.count])
    else:
        text = pages.gettext(lang)(message)
    return text % args if args else text


def assert_page(page, lang: str, status: int) -> None:
    assert page.status_code == status, page.text[:300]
    assert page.headers["content-type"].startswith("text/html")
    assert f'lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}"' in page.text


def assert_marked(page, field: str, message: str) -> None:
    control = re.search(rf'<(?:input|select|textarea) id="[a-z_]+" name="{field}"[^>]*>', page.text)
    assert control, f"no control named {field}"
    assert 'aria-invalid="true"' in control.group(0)
    described = re.search(r'aria-describedby="([^"]+)"', control.group(0)).group(1).split()
    error_id = f"{field}-error"
    assert error_id in described
    assert f'<p id="{error_id}" class="error">{message}</p>' in page.text


async def send(intake, lang: str, files=None, **fields):
    tokens = await fresh_form(intake)
    data = report_fields(tokens, lang=lang, narrative=NARRATIVE[lang], name="Rahima", **fields)
    return await intake.client.post(f"/t/{TENANT}/report", data=data, files=files)


def kept(page, lang: str) -> bool:
    return f"{NARRATIVE[lang]}</textarea>" in page.text and 'value="Rahima"' in page.text


@pytest.mark.parametrize("lang", LANGS)
async def test_file_errors_come_back_as_the_form_with_the_field_marked(intake, lang):
    before = await intake.events()
    big = [("files", ("big.png", PNG + b"\0" * (10 * 1024 * 1024), "image/png"))]
    page = await send(intake, lang, files=big)
    assert_page(page, lang, 413)
    assert_marked(page, "files", tr(intake, lang, texts.FILE_TOO_LARGE))
    assert kept(page, lang) and 'id="files-hint"' in page.text  # files must be chosen again

    page = await send(intake, lang, files=[("files", ("x.png", b"MZ\x90\x00 exe", "image/png"))])
    assert_page(page, lang, 415)
    assert_marked(page, "files", tr(intake, lang, texts.FILE_TYPE))
    assert kept(page, lang)

    six = [("files", (f"p{i}.png", PNG, "image/png")) for i in range(6)]
    page = await send(intake, lang, files=six)
    assert_page(page, lang, 413)
    assert_marked(page, "files", tr(intake, lang, texts.TOO_MANY_FILES))
    assert kept(page, lang)
    assert await intake.events() == before


@pytest.mark.parametrize("lang", LANGS)
async def test_field_errors_say_what_is_wrong_beside_the_field(intake, lang):
    before = await intake.events()
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    tokens = await fresh_form(intake)
    data = report_fields(
        tokens, lang=lang, since=tomorrow, name="N" * 201, narrative="x" * 5001,
        contact_time="t" * 101, site_id="nowhere",
    )  # fmt: skip
    page = await intake.client.post(f"/t/{TENANT}/report", data=data)
    assert_page(page, lang, 422)
    assert_marked(page, "since", tr(intake, lang, texts.FUTURE_DATE))
    assert_marked(page, "name", tr(intake, lang, texts.TOO_LONG, limit=200))
    assert_marked(page, "narrative", tr(intake, lang, texts.TOO_LONG, limit=5000))
    assert_marked(page, "contact_time", tr(intake, lang, texts.TOO_LONG, limit=100))
    assert f'value="{tomorrow}"' in page.text
    # The narrative keeps its hint as well as its error.
    assert 'aria-describedby="narrative-hint narrative-error"' in page.text

    page = await send(intake, lang, site_id="nowhere")
    assert_page(page, lang, 422)
    assert_marked(page, "site_id", tr(intake, lang, texts.UNKNOWN_SITE))
    assert kept(page, lang)

    page = await send(intake, lang, since="2024-02-31")
    assert_page(page, lang, 422)
    assert_marked(page, "since", tr(intake, lang, texts.BAD_DATE))
    assert await intake.events() == before


@pytest.mark.parametrize("lang", LANGS)
async def test_control_characters_come_back_taken_out_so_that_the_report_can_be_sent(intake, lang):
    """Pasted from a chat, a bell or an escape in the narrative cannot be seen: the page asks
    to check it and gives it back without them, so that sending it again files it (it came
    back as it was, and was refused each time)."""
    before = await intake.events()
    tokens = await fresh_form(intake)
    typed = NARRATIVE[lang].replace(" ", " \x07", 1) + "\x1b\x00"
    data = report_fields(tokens, lang=lang, narrative=typed, name="Rahima\x0b")
    page = await intake.client.post(f"/t/{TENANT}/report", data=data)
    assert_page(page, lang, 422)
    assert_marked(page, "narrative", tr(intake, lang, texts.CONTROLS_TAKEN_OUT))
    assert kept(page, lang)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", page.text)
    assert await intake.events() == before
    shown = re.search(r'name="narrative"[^>]*>([^<]*)</textarea>', page.text).group(1)
    again = {**report_fields(await _tokens_in(page), lang=lang), "narrative": shown}
    assert (await intake.client.post(f"/t/{TENANT}/report", data=again)).status_code == 303


@pytest.mark.parametrize("lang", LANGS)
async def test_a_contact_that_is_neither_a_number_nor_an_email_is_asked_again(intake, lang):
    """Nobody could text or call "12ab": the worker who wants to be reached is told so beside
    the field, in their language, with what they typed kept; numbers as people write them
    and e-mail addresses are taken."""
    before = await intake.events()
    page = await send(intake, lang, contact="12ab", contact_me="yes")
    assert_page(page, lang, 422)
    assert_marked(page, "contact", tr(intake, lang, texts.NOT_A_CONTACT))
    assert 'value="12ab"' in page.text and kept(page, lang)
    assert await intake.events() == before
    for reachable in ("(017) 1111-1111", "+880 1711 111111", "rahima@example.org"):
        sent = await send(intake, lang, contact=reachable, contact_me="yes")
        assert sent.status_code == 303, (reachable, sent.text[:300])


@pytest.mark.parametrize("lang", LANGS)
async def test_an_empty_narrative_asks_what_happened(intake, lang):
    # As the empty country and category ask for a choice, not "check what you wrote".
    before = await intake.events()
    tokens = await fresh_form(intake)
    data = report_fields(tokens, lang=lang, narrative="", name="Rahima")
    page = await intake.client.post(f"/t/{TENANT}/report", data=data)
    assert_page(page, lang, 422)
    assert_marked(page, "narrative", tr(intake, lang, texts.TELL_WHAT_HAPPENED))
    assert await intake.events() == before


@pytest.mark.parametrize("lang", LANGS)
async def test_an_expired_form_keeps_what_was_typed(intake, lang):
    tokens = await fresh_form(intake)
    intake.client.cookies.clear()  # the browser was closed: its CSRF cookie is gone
    before = await intake.events()
    data = report_fields(tokens, lang=lang, narrative=NARRATIVE[lang], name="Rahima")
    page = await intake.client.post(f"/t/{TENANT}/report", data=data)
    assert_page(page, lang, 403)
    assert tr(intake, lang, texts.FORM_EXPIRED) in page.text and kept(page, lang)
    assert await intake.events() == before
    # The page came back with what is needed to send it at once.
    again = {**report_fields(await _tokens_in(page), lang=lang), "narrative": NARRATIVE[lang]}
    assert (await intake.client.post(f"/t/{TENANT}/report", data=again)).status_code == 303


async def _tokens_in(page) -> dict:
    return {
        "csrf": re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1),
        "form_id": re.search(r'name="form_id" value="([^"]+)"', page.text).group(1),
    }


@pytest.mark.parametrize("lang", LANGS)
async def test_too_many_parts_still_get_a_page(intake, lang):
    tokens = await fresh_form(intake)
    many = [("files", (f"p{i}.png", PNG, "image/png")) for i in range(25)]
    page = await intake.client.post(
        f"/t/{TENANT}/report", data=report_fields(tokens), files=many,
        headers={"Accept-Language": lang},
    )  # fmt: skip
    assert_page(page, lang, 413)
    assert_marked(page, "files", tr(intake, lang, texts.TOO_MANY_FILES))


@pytest.mark.parametrize("lang", LANGS)
async def test_other_refusals_are_pages_in_the_workers_language(intake, lang):
    page = await intake.client.get(f"/t/nobody/report?lang={lang}")
    assert_page(page, lang, 404)
    heading, text = texts.PROBLEMS[404]
    assert tr(intake, lang, heading) in page.text and tr(intake, lang, text) in page.text
    await intake.client.get(f"/t/{TENANT}/status?lang={lang}")
    forged = await intake.client.post(
        f"/t/{TENANT}/status/open?lang={lang}",
        data={"csrf": "0" * 64, "reference": "R-AAAA", "secret": "1", "lang": lang},
    )
    assert_page(forged, lang, 403)
    assert tr(intake, lang, texts.PROBLEMS["csrf"][1]) in forged.text
    assert f'href="/t/{TENANT}/status?lang={lang}"' in forged.text  # a way back
    oversized = await intake.client.post(
        f"/t/{TENANT}/status/open",
        data={"csrf": "0" * 64, "reference": "R" * 41, "secret": "1", "lang": lang},
    )
    assert_page(oversized, lang, 422)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_reply_sent_after_the_session_ended_is_kept_and_sent_after_opening(intake, lang):
    from tests.intake.test_web import file_report

    reference, secret = await file_report(intake, lang=lang)
    status = await _open(intake.client, reference, secret, lang)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', status.text).group(1)
    origin = _origin(status.text)  # the report the reply is written for, sealed
    intake.client.cookies.delete("receipt_session")  # half an hour later
    reply = "لم يتغير شيء" if lang == "ar" else "Nothing has changed."
    before = await intake.events()
    page = await intake.client.post(
        f"/t/{TENANT}/status?lang={lang}",
        data={"csrf": csrf, "do": "reply", "message": reply, "retaliation": "yes",
              "origin": origin},
    )  # fmt: skip
    assert_page(page, lang, 401)
    assert tr(intake, lang, texts.SESSION_ENDED) in page.text
    assert f'<textarea id="draft" name="draft" maxlength="5000">{reply}</textarea>' in page.text
    ticked = 'name="retaliation" value="yes" checked>'  # as the worker left it
    assert ticked in page.text
    assert _origin(page.text) == origin  # carried on
    assert await intake.events() == before
    # That page restored in a browser closed since, its form expired: asked again, the
    # reply still there.
    restored = await intake.client.post(
        f"/t/{TENANT}/status/open",
        data={"csrf": "0" * 64, "reference": reference, "secret": secret, "lang": lang,
              "draft": reply, "retaliation": "yes", "origin": origin},
    )  # fmt: skip
    assert_page(restored, lang, 403)
    assert tr(intake, lang, texts.PAGE_EXPIRED_REPLY) in restored.text
    assert f'<textarea id="draft" name="draft" maxlength="5000">{reply}</textarea>' in (
        restored.text
    )
    assert ticked in restored.text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
    # Another report opened on the same phone (another worker's, or the same worker's
    # other): the reply, written for the first, is not put in its box.
    other_reference, other_secret = await file_report(intake, lang=lang)
    other = await intake.client.post(
        f"/t/{TENANT}/status/open",
        data={"csrf": csrf, "reference": other_reference, "secret": other_secret,
              "lang": lang, "draft": reply, "retaliation": "yes", "origin": origin},
        follow_redirects=True,
    )  # fmt: skip
    assert other.status_code == 200 and 'id="status"' in other.text
    assert reply not in other.text and ticked not in other.text
    intake.client.cookies.delete("receipt_session")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', other.text).group(1)
    reopened = await intake.client.post(
        f"/t/{TENANT}/status/open",
        data={"csrf": csrf, "reference": reference, "secret": secret, "lang": lang,
              "draft": reply, "retaliation": "yes", "origin": origin},
        follow_redirects=True,
    )  # fmt: skip
    assert f"required>{reply}</textarea>" in reopened.text  # ready to send
    assert ticked in reopened.text
    assert reply not in (await intake.client.get(f"/t/{TENANT}/status")).text  # once only


async def test_the_page_holding_an_unsent_reply_changes_language_with_the_reply_in_it(intake):
    """Its language links would leave the reply behind: they are buttons of its form, which
    ask for the same page in the other language, the reply and the reason kept, nothing tried."""
    from tests.intake.test_web import file_report

    reference, secret = await file_report(intake, lang="en")
    status = await _open(intake.client, reference, secret, "en")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', status.text).group(1)
    origin = _origin(status.text)
    intake.client.cookies.delete("receipt_session")
    reply = "Nothing has changed."
    page = await intake.client.post(
        f"/t/{TENANT}/status?lang=en",
        data={"csrf": csrf, "do": "reply", "message": reply, "retaliation": "yes",
              "origin": origin},
    )  # fmt: skip
    assert_page(page, "en", 401)
    assert "?lang=ar" not in page.text  # no link away from the reply
    assert 'name="switch_to" value="ar"' in page.text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
    before = await intake.events()
    switched = await intake.client.post(
        f"/t/{TENANT}/status/open",
        data={"csrf": csrf, "reference": "", "secret": "", "lang": "en", "switch_to": "ar",
              "said": "session-ended", "draft": reply, "retaliation": "yes", "origin": origin},
    )  # fmt: skip
    assert_page(switched, "ar", 200)
    assert tr(intake, "ar", texts.SESSION_ENDED) in switched.text
    assert f'<textarea id="draft" name="draft" maxlength="5000">{reply}</textarea>' in (
        switched.text
    )
    assert 'name="retaliation" value="yes" checked>' in switched.text
    assert _origin(switched.text) == origin
    assert '<input type="hidden" name="lang" value="ar">' in switched.text
    assert await intake.events() == before
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', switched.text).group(1)
    # A reference typed before a change of language stays typed; a secret is never shown.
    kept = await intake.client.post(
        f"/t/{TENANT}/status/open",
        data={"csrf": csrf, "reference": reference, "secret": secret, "lang": "ar",
              "switch_to": "en", "draft": reply, "origin": origin},
    )  # fmt: skip
    assert f'value="{reference}"' in kept.text and secret not in kept.text
    # Opened with a field blank: asked again in the worker's language, the reply kept, and
    # no guess counted.
    blank = await intake.client.post(
        f"/t/{TENANT}/status/open",
        data={"csrf": csrf, "reference": "", "secret": secret, "lang": "ar", "open": "1",
              "draft": reply, "origin": origin},
    )  # fmt: skip
    assert_page(blank, "ar", 422)
    assert tr(intake, "ar", texts.BLANK_RECEIPT) in blank.text  # not "do not match"
    assert f'<textarea id="draft" name="draft" maxlength="5000">{reply}</textarea>' in blank.text
    # Enter in a field presses the form's first button: it opens, in the language chosen.
    opened = await intake.client.post(
        f"/t/{TENANT}/status/open",
        data={"csrf": csrf, "reference": reference, "secret": secret, "lang": "ar",
              "open": "1", "draft": reply, "retaliation": "yes", "origin": origin},
        follow_redirects=True,
    )  # fmt: skip
    assert f"required>{reply}</textarea>" in opened.text
    assert 'lang="ar"' in opened.text


def _origin(page: str) -> str:
    return re.search(r'name="origin" value="([^"]+)"', page).group(1)


async def test_a_reply_on_an_expired_page_is_kept(intake):
    from tests.intake.test_web import file_report

    reference, secret = await file_report(intake)
    origin = _origin((await _open(intake.client, reference, secret, "en")).text)
    page = await intake.client.post(
        f"/t/{TENANT}/status?lang=en",
        data={"csrf": "0" * 64, "do": "reply", "message": "Hi", "retaliation": "yes",
              "origin": origin},
    )  # fmt: skip
    assert_page(page, "en", 403)
    assert 'id="error"' in page.text and "required>Hi</textarea>" in page.text
    assert 'name="retaliation" value="yes" checked>' in page.text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
    before = await intake.events()
    empty = await intake.client.post(
        f"/t/{TENANT}/status?lang=ar", data={"csrf": csrf, "do": "reply", "message": "  "}
    )
    assert_page(empty, "ar", 422)
    assert tr(intake, "ar", texts.EMPTY_REPLY) in empty.text
    assert await intake.events() == before


@pytest.mark.parametrize("lang", LANGS)
async def test_a_reply_too_long_or_with_hidden_characters_comes_back_to_be_sent_again(intake, lang):
    """Sent without a browser's `maxlength`, or pasted with characters nobody can see: the
    status page says what to do and keeps the text, never a page without it."""
    from tests.intake.test_web import file_report

    reference, secret = await file_report(intake, lang=lang)
    status = await _open(intake.client, reference, secret, lang)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', status.text).group(1)
    before = await intake.events()
    long = NARRATIVE[lang] * (5000 // len(NARRATIVE[lang]) + 1)
    shorten = await intake.client.post(
        f"/t/{TENANT}/status?lang={lang}", data={"csrf": csrf, "do": "reply", "message": long}
    )
    assert_page(shorten, lang, 422)
    assert tr(intake, lang, texts.TOO_LONG, limit=5000) in shorten.text
    assert f'name="message" maxlength="5000" required>{long}</textarea>' in shorten.text
    hidden = await intake.client.post(
        f"/t/{TENANT}/status?lang={lang}",
        data={"csrf": csrf, "do": "reply", "message": f"{NARRATIVE[lang]}\x00\x1b",
              "retaliation": "yes"},
    )  # fmt: skip
    assert_page(hidden, lang, 422)
    assert tr(intake, lang, texts.CONTROLS_TAKEN_OUT) in hidden.text
    kept = f'name="message" maxlength="5000" required>{NARRATIVE[lang]}</textarea>'
    assert kept in hidden.text
    assert 'name="retaliation" value="yes" checked>' in hidden.text  # still ticked
    assert await intake.events() == before
    # Filled to the box's limit in a browser, which counts a line break as one character
    # and sends two: it fits.
    full = ("x" * 9 + "\r\n") * 500
    sent = await intake.client.post(
        f"/t/{TENANT}/status?lang={lang}", data={"csrf": csrf, "do": "reply", "message": full}
    )
    assert sent.status_code == 303, sent.text[:300]
    assert await intake.events() == before + 1


async def _open(client: httpx.AsyncClient, reference, secret, lang):
    page = await client.get(f"/t/{TENANT}/status?lang={lang}")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
    return await client.post(
        f"/t/{TENANT}/status/open",
        data={"csrf": csrf, "reference": reference, "secret": secret, "lang": lang},
        follow_redirects=True,
    )


async def test_a_form_that_cannot_be_read_still_gets_a_page(intake):
    fields = {f"f{i}": "x" for i in range(1100)}
    page = await intake.client.post(
        f"/t/{TENANT}/status/open", data=fields, headers={"Accept-Language": "ar"}
    )
    assert_page(page, "ar", 400)
    assert tr(intake, "ar", texts.PROBLEMS[400][1]) in page.text


def multipart(fields: dict[str, bytes], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart body as any client may send it, bytes and all."""
    boundary, out = "redress-test-boundary", b""
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value + b"\r\n"
    for name, (filename, content) in files.items():
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n').encode()  # fmt: skip
        out += content + b"\r\n"
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


async def test_a_form_not_in_utf8_is_refused_as_a_page_not_recorded_garbled(intake):
    """The pages send UTF-8. Bytes that are not were read as Latin-1 ("wagesÿþ") or as
    U+FFFD, and filed; a narrative of nothing else passed as one that shows something.
    Refused, as a page in the worker's language, and nothing is recorded; a file's bytes
    are a file's, and a name with accents in UTF-8 is filed as written."""
    before = await intake.events()
    tokens = await fresh_form(intake)
    fields = {k: str(v).encode() for k, v in report_fields(tokens, lang="bn").items()}
    for narrative in (b"wages\xff\xfe unpaid", b"\xc0\xaf"):
        body, kind = multipart({**fields, "narrative": narrative}, {})
        page = await intake.client.post(f"/t/{TENANT}/report?lang=bn", content=body,
                                        headers={"Content-Type": kind})  # fmt: skip
        assert_page(page, "bn", 400)
        assert tr(intake, "bn", texts.PROBLEMS[400][1]) in page.text
    urlencoded = "&".join(f"{k}={v}" for k, v in report_fields(tokens, lang="bn").items()
                          if k != "narrative") + "&narrative=%FF%FE"  # fmt: skip
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    page = await intake.client.post(f"/t/{TENANT}/report?lang=bn", content=urlencoded,
                                    headers=form)  # fmt: skip
    assert_page(page, "bn", 400)
    # Without a language in the address (the receipt form's), the page's language is looked
    # for in the form refused: answered at once, in the browser's, never waiting on it.
    for address in (f"/t/{TENANT}/report", f"/t/{TENANT}/status/open"):
        page = await intake.client.post(address, content=urlencoded,
                                        headers={**form, "Accept-Language": "bn"})  # fmt: skip
        assert_page(page, "bn", 400)
    assert await intake.events() == before
    # A file is bytes; accents in UTF-8 are text.
    body, kind = multipart({**fields, "name": "Zoë Müller".encode()},
                           {"files": ("photo.png", tiny_png())})  # fmt: skip
    filed = await intake.client.post(f"/t/{TENANT}/report?lang=bn", content=body,
                                     headers={"Content-Type": kind})  # fmt: skip
    assert filed.status_code == 303, filed.text[:300]
    # A reply on the status page likewise.
    reference, secret = await file_report(intake, lang="bn")
    status = await open_status(intake, reference, secret)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', status.text).group(1)
    replied = await intake.events()
    reply = await intake.client.post(f"/t/{TENANT}/status?lang=bn", headers=form,
                                     content=f"csrf={csrf}&do=reply&message=%FF%FEhi")  # fmt: skip
    assert_page(reply, "bn", 400)
    assert await intake.events() == replied


@contextlib.asynccontextmanager
async def database_gone(intake) -> AsyncIterator[None]:
    """The service's pool closed under it, as the database gone; a new pool afterwards."""
    runtime = intake.app.state.runtime
    await runtime.pool.close()
    try:
        yield
    finally:
        runtime.pool = await asyncpg.create_pool(
            runtime.settings.require_database(), min_size=1, max_size=5
        )


@pytest.mark.parametrize("lang", LANGS)
async def test_a_database_outage_is_a_page_in_the_workers_language(intake, lang):
    """The pool closed under the service is the database gone for it: 503, a page, Retry-After,
    naming the initiative as the service last read it. A page only asked for says nothing of
    what was recorded: nothing was sent."""
    assert (await intake.client.get(f"/t/{TENANT}/report?lang={lang}")).status_code == 200
    async with database_gone(intake):
        page = await intake.client.get(f"/t/{TENANT}/report?lang={lang}")
    assert_page(page, lang, 503)
    assert page.headers["retry-after"] == "5"
    heading, text = texts.PROBLEMS["503-read"]
    assert tr(intake, lang, heading) in page.text and tr(intake, lang, text) in page.text
    assert tr(intake, lang, texts.PROBLEMS[503][1]) not in page.text
    assert "Acme Initiative" in page.text


async def test_a_text_sent_during_an_outage_is_answered_to_send_it_again_in_its_language(intake):
    """A provider does not send an inbound text again after an error: the worker is answered
    by text, in the language of their script, that nothing was recorded, to send it later."""
    before = await intake.events()
    async with database_gone(intake):
        answer = await sms_text(intake, "+66811112222", NARRATIVE["ar"], "SM-outage-1")
    assert f"<Message>{tr(intake, 'ar', texts.PROBLEMS[503][1])}</Message>" in answer
    assert await intake.events() == before


@pytest.mark.parametrize("lang", LANGS)
async def test_a_report_sent_during_an_outage_comes_back_on_the_page_to_copy(intake, lang):
    """Nothing can be recorded, and the page's link opens the form again empty: what the
    worker wrote is on the page saying so, escaped, ready to copy."""
    tokens = await fresh_form(intake)
    narrative = NARRATIVE[lang] + " <b>&</b>"
    data = report_fields(tokens, lang=lang, narrative=narrative, name="Rahima")
    async with database_gone(intake):
        page = await intake.client.post(f"/t/{TENANT}/report", data=data)
    assert_page(page, lang, 503)
    box = re.search(r'<textarea id="kept-1" readonly>([^<]*)</textarea>', page.text)
    assert box and box.group(1) == narrative.replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;"
    )
    assert tr(intake, lang, "Your message, not sent yet") in page.text
    assert tr(intake, lang, texts.PROBLEMS[503][1]) in page.text  # nothing was recorded
    assert "Rahima" not in page.text  # only what was typed in the boxes, not the rest


@pytest.mark.parametrize("lang", LANGS)
async def test_a_body_past_the_size_limit_gets_a_page_in_the_workers_language(intake, lang):
    """A video too large even for the report (52 MB), or a status form past 1 MB, is refused
    before it is read, as a page in the language the worker was reading, not as JSON."""
    before = await intake.events()
    tokens = await fresh_form(intake)
    form = await intake.client.get(f"/t/{TENANT}/report?lang={lang}")
    action = re.search(r'<form method="post" action="([^"]+)"', form.text).group(1)
    assert action == f"/t/{TENANT}/report?lang={lang}"

    async def video():  # sent as it is read, with no length declared
        yield (f'--x\r\nContent-Disposition: form-data; name="lang"\r\n\r\n{lang}\r\n'
               '--x\r\nContent-Disposition: form-data; name="files"; filename="v.mp4"\r\n'
               "Content-Type: video/mp4\r\n\r\n").encode()  # fmt: skip
        for _ in range(53):
            yield b"\0" * 1_000_000

    headers = {"Content-Type": "multipart/form-data; boundary=x", "Accept-Language": "fr"}
    streamed = await intake.client.post(action, content=video(), headers=headers)
    assert_page(streamed, lang, 413)
    heading, text = texts.PROBLEMS[413]
    assert tr(intake, lang, heading) in streamed.text and tr(intake, lang, text) in streamed.text

    declared = await intake.client.post(
        f"/t/{TENANT}/status/open?lang={lang}",
        data={**tokens, "reference": "R-AAAA", "secret": "x" * 1_100_000, "lang": lang},
    )
    assert_page(declared, lang, 413)
    assert tr(intake, lang, heading) in declared.text
    assert await intake.events() == before

    api = await intake.client.post(f"/v1/t/{TENANT}/grievances", content=b"{" * 1_100_000)
    assert api.status_code == 413 and api.json()["type"] == "urn:redress:problem:too-large"


@pytest.mark.parametrize("lang", LANGS)
async def test_addresses_no_page_answers_are_pages_or_lead_to_one(intake, lang):
    """A worker reaches an address no page answers by a link, a reload or a typo: the page
    the form was on, the report form, or a page saying so in their language; never JSON."""
    # The language links of a page a form answered with point at the form's own address.
    for form in ("status/open", "status/plan", "status/referral", "status/representation"):
        shown = await intake.client.get(f"/t/{TENANT}/{form}?lang={lang}")
        assert shown.status_code == 303, (form, shown.text[:200])
        assert shown.headers["location"] == f"/t/{TENANT}/status?lang={lang}"
    bare = await intake.client.get(f"/t/{TENANT}?lang={lang}")
    assert (bare.status_code, bare.headers["location"]) == (303, f"/t/{TENANT}/report?lang={lang}")
    heading, text = texts.PROBLEMS[404]
    for typo in ("nothing", "status/xyz", "report/extra/parts"):
        page = await intake.client.get(f"/t/{TENANT}/{typo}?lang={lang}")
        assert_page(page, lang, 404)
        assert tr(intake, lang, heading) in page.text and tr(intake, lang, text) in page.text
    # Outside the worker's pages, and for what no browser sends, the API's answer stays.
    for method, path in (("GET", "/v1/nothing"), ("DELETE", f"/t/{TENANT}/report")):
        answer = await intake.client.request(method, path)
        assert answer.status_code in (404, 405)
        assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("lang", LANGS)
async def test_a_choice_the_form_does_not_offer_is_refused_not_taken_as_another(intake, lang):
    """A ticked box is "yes" and a language one of the list: anything else (a forged or
    damaged form) files nothing, and is not read as "not ticked" or as another language."""
    before = await intake.events()
    for field, value in [("contact_me", "maybe"), ("share_with_support_services", "1"),
                         ("contact_language", "xx")]:  # fmt: skip
        tokens = await fresh_form(intake, f"/t/{TENANT}/report?lang={lang}")
        fields = report_fields(tokens, lang=lang, narrative=NARRATIVE[lang], **{field: value})
        page = await intake.client.post(f"/t/{TENANT}/report?lang={lang}", data=fields)
        assert_page(page, lang, 422)
        assert tr(intake, lang, texts.CHECK_FIELD) in page.text, field
        assert NARRATIVE[lang] in page.text  # what was typed comes back
    assert_marked(page, "contact_language", tr(intake, lang, texts.CHECK_FIELD))
    tokens = await fresh_form(intake, f"/t/{TENANT}/report?lang={lang}")
    damaged = report_fields(tokens, lang=f"{lang}\x00", narrative=NARRATIVE[lang])
    page = await intake.client.post(f"/t/{TENANT}/report?lang={lang}", data=damaged)
    assert_page(page, lang, 422)
    assert await intake.events() == before


async def test_a_report_not_sent_as_a_form_gets_a_page_saying_so_in_its_language(intake):
    """Sent by a script, not the form: the page says it could not be read, in the language
    of the form's address, and does not claim the form expired or held too many files."""
    tokens = await fresh_form(intake, f"/t/{TENANT}/report?lang=ar")
    fields = report_fields(tokens, lang="ar", narrative=NARRATIVE["ar"])
    action = f"/t/{TENANT}/report?lang=ar"
    before = await intake.events()
    for sent in ({"json": fields}, {"content": "narrative=x", "headers": {
                 "Content-Type": "text/plain"}}):  # fmt: skip
        page = await intake.client.post(action, **sent)
        assert_page(page, "ar", 415)
        assert tr(intake, "ar", texts.PROBLEMS[400][1]) in page.text
    broken = await intake.client.post(action, content=b"abc",
                                      headers={"Content-Type": "multipart/form-data"})  # fmt: skip
    assert_page(broken, "ar", 400)
    assert tr(intake, "ar", texts.TOO_MANY_FILES) not in broken.text
    expired = await intake.client.post(action, data={**fields, "csrf": "0" * 64, "lang": ""})
    assert_page(expired, "ar", 403)  # the address's language, with nothing else to go on
    assert await intake.events() == before


async def test_a_page_left_open_on_one_report_never_acts_on_another_opened_since(intake):
    """The session is the browser's: a tab left on one report, after another was opened in
    another tab (a second worker's, on a shared phone), must not reply to, withdraw or erase
    that other report, nor show it the first one's text: it asks for the receipt again."""
    from tests.intake.test_web import file_report

    first_receipt = await file_report(intake)
    first = await _open(intake.client, *first_receipt, "en")
    origin, csrf = _origin(first.text), re.search(r'name="csrf" value="([0-9a-f]+)"', first.text)
    second = await _open(intake.client, *await file_report(intake), "en")  # in another tab
    before = await intake.events()
    reply = await intake.client.post(
        f"/t/{TENANT}/status?lang=en",
        data={"csrf": csrf.group(1), "do": "reply", "message": "Written for the first.",
              "retaliation": "yes", "origin": origin},
    )  # fmt: skip
    assert_page(reply, "en", 403)
    assert tr(intake, "en", texts.SESSION_ENDED) in reply.text
    assert 'id="status"' not in reply.text  # not the second report's page
    assert '<textarea id="draft" name="draft" maxlength="5000">Written for the first.<' in (
        reply.text
    )  # kept for the first report, once its receipt is given
    for form in ({"do": "withdraw", "confirm": "yes"}, {"do": "erase", "confirm": "yes"},
                 {"do": "contact", "contact": "no"}, {"do": "withdraw"}):  # fmt: skip
        refused = await intake.client.post(
            f"/t/{TENANT}/status?lang=en", data={"csrf": csrf.group(1), "origin": origin, **form}
        )
        assert refused.status_code == 403 and 'id="status"' not in refused.text, form
    for path, form in (
        ("plan", {"answer": "agree"}),
        ("plan", {"answer": "object", "comment": "Not this plan."}),
        ("representation", {"org": "union-1", "allow": "yes"}),
        ("referral", {"referral": "r", "partner": "p", "consent": "given"}),
    ):
        refused = await intake.client.post(
            f"/t/{TENANT}/status/{path}?lang=en",
            data={"csrf": csrf.group(1), "origin": origin, **form},
        )
        assert_page(refused, "en", 403)
        assert 'id="status"' not in refused.text, path
    # The question before withdrawing, in another language, is asked about the first report
    # only: with the second in the session, it asks for the receipt, showing nothing of it.
    switched = await intake.client.get(
        f"/t/{TENANT}/status/confirm", params={"do": "withdraw", "origin": origin, "lang": "ar"}
    )
    assert_page(switched, "ar", 403)
    assert 'id="status"' not in switched.text and 'name="confirm"' not in switched.text
    assert await intake.events() == before
    # The first worker gives their receipt again: the reply is back in their own report.
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', reply.text).group(1)
    reopened = await intake.client.post(
        f"/t/{TENANT}/status/open",
        data={"csrf": csrf, "reference": first_receipt[0], "secret": first_receipt[1],
              "lang": "en", "draft": "Written for the first.", "retaliation": "yes",
              "origin": origin},
        follow_redirects=True,
    )  # fmt: skip
    assert "required>Written for the first.</textarea>" in reopened.text
    assert second.text != reopened.text


async def test_a_page_asked_of_a_frozen_database_is_a_503_page_within_its_deadline(
    system, tmp_path
):
    """A server that stops answering sends no error: the form's page gives up on it after
    two I/O timeouts and says so in the worker's language, where its statement would have
    waited out the statement timeout (30 s) and its cancel."""
    async with pg_path(system.dsn) as path:
        settings = intake_settings(system, tmp_path).model_copy(
            update={"database_url": path.url, "io_timeout": 1.0}
        )
        async with serving(system, settings) as intake:
            assert (await intake.client.get(f"/t/{TENANT}/report?lang=bn")).status_code == 200
            path.freeze()
            try:
                # The test's only clock, well short of the statement timeout. Not wait_for:
                # its cancel would reach the page, which would answer the cancel as an outage.
                asked = asyncio.ensure_future(intake.client.get(f"/t/{TENANT}/report?lang=bn"))
                await asyncio.wait({asked}, timeout=15)
                assert asked.done(), "the page kept the worker waiting"
                page = asked.result()
                # Shown before the page's own work has unwound: its statement still waits on
                # the frozen server, holding its connection.
                assert intake.app.state.runtime.pool.in_use > 0
            finally:
                path.thaw()
                if not asked.done():
                    await asked
            assert_page(page, "bn", 503)
            assert tr(intake, "bn", texts.PROBLEMS["503-read"][1]) in page.text
            assert "Acme Initiative" in page.text


async def test_a_report_filed_while_delivery_is_down_opens_as_try_again_not_as_a_bad_receipt(
    system, tmp_path
):
    """NATS down (here: no relay): the report is in the log, not yet in the page's view of
    it. Opened with its receipt, the status page says to try again in a moment (503 in the
    worker's language, Retry-After); it never asks for the receipt again, which would tell
    the worker their receipt is wrong. Once delivery is back, the same session shows it."""
    settings = intake_settings(system, tmp_path)
    async with system.pool.acquire() as conn:
        await migrate(conn, [service.component])
    app = app_for("intake", settings)

    def relay() -> Relay:
        return Relay(system.dsn, system.js, system.bus, poll_interval=0.05)

    async with app.router.lifespan_context(app):
        async with running(relay().run()):
            await register_tenant(system)
        # The relay stopped: what is appended from here on waits in the log.
        transport = httpx.ASGITransport(app=app, client=CLIENT_ADDRESS)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            worker = Harness(client, app, system, settings, signer_for(settings))
            reference, secret = await file_report(worker, lang="bn")
            opened = await open_status(worker, reference, secret)
            assert_page(
                opened, "en", 503
            )  # opened in English (the receipt page leads on in its own)
            assert opened.headers["retry-after"] == "5"
            assert tr(worker, "en", texts.PROBLEMS["503-read"][1]) in opened.text
            assert tr(worker, "en", texts.SESSION_ENDED) not in opened.text
            assert 'name="secret"' not in opened.text

            async def shown() -> bool:
                page = await client.get(f"/t/{TENANT}/status")
                return page.status_code == 200 and reference in page.text

            async with running(relay().run()):
                await wait_until(shown)
