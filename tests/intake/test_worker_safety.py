"""Safety on a shared phone, and the procedure before filing (issue 13, items 10 and 7).

Every worker page carries "Leave quickly": a plain link to a neutral site, which its one
inline script (allowed by its hash, nothing else) turns into `location.replace`; none is
cached. The procedure page says, per tenant and in the worker's language, the steps with
the tenant's own time frames, the outcomes, anonymity and who sees what.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from babel import Locale

import redress.intake
from redress.events.catalogue.tenant import TimeFramesSet
from redress.events.envelope import Actor, Metadata
from redress.events.ids import derived_stream
from redress.intake.pages import NEUTRAL_SITE
from redress.intake.texts import OUTCOMES, STATUS
from redress.kit.i18n import LANGUAGES, Catalogues
from tests.intake.conftest import TENANT
from tests.intake.test_web import file_report, open_status

CATALOGUES = Catalogues(Path(redress.intake.__file__).parent / "locales")
STEPS = (
    "We check whether we can take your report up, and tell you within %(days)s day{}.",
    "If we take it up, we look into it and tell you what we found within %(days)s day{} of your report.",  # noqa: E501
    "Then a plan to put things right is made within %(days)s day{}, and carried out.",
)


def say(lang: str, message: str) -> str:
    return str(CATALOGUES.get(lang).gettext(message))


def step(lang: str, message: str, days: int) -> str:
    """A step as the page says it: its days in the form the language gives that number."""
    singular, plural = message.format(""), message.format("s")
    return str(CATALOGUES.get(lang).ngettext(singular, plural, days)) % {"days": days}


def assert_safe(answer, name: str) -> None:
    """No cache keeps it; "Leave quickly" is there, and its script is the only one allowed."""
    assert answer.headers["cache-control"] == "no-store", name
    exit_ = re.search(r'<a class="exit" id="quick-exit" href="([^"]+)"', answer.text)
    assert exit_ and re.fullmatch(r"/t/[a-z]+/leave", exit_.group(1)), name  # `web_leave`
    scripts = re.findall(r"<script>(.*?)</script>", answer.text, re.S)
    assert len(scripts) == 1 and "location.replace" in scripts[0], name
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    policy = answer.headers["content-security-policy"]
    assert f"script-src 'sha256-{digest}';" in policy, name
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0], name


async def test_every_worker_page_can_be_left_quickly_and_is_never_cached(intake):
    client = intake.client
    pages = {
        "report": await client.get(f"/t/{TENANT}/report?lang=ar"),
        "procedure": await client.get(f"/t/{TENANT}/procedure?lang=bn"),
        "status login": await client.get(f"/t/{TENANT}/status?lang=bn"),
        "verify": await client.get(f"/t/{TENANT}/verify"),
        "unknown initiative": await client.get("/t/nobody/report?lang=ar"),
    }
    reference, secret = await file_report(intake)
    pages["status"] = await open_status(intake, reference, secret)
    for name, answer in pages.items():
        assert answer.status_code in (200, 404), (name, answer.status_code)
        assert_safe(answer, name)
    assert 'lang="ar"' in pages["report"].text
    # Back after filing brings the form back empty: the browser restores none of its boxes.
    form = re.search(r"<form [^>]*>", pages["report"].text).group(0)
    assert 'autocomplete="off"' in form
    # A refusal's page is titled by what it says, not by the report form's title.
    heading = re.search(r"<h1>([^<]+)</h1>", pages["unknown initiative"].text).group(1)
    assert f"<title>{heading} · " in pages["unknown initiative"].text
    assert say("ar", "Leave quickly") in pages["report"].text
    assert say("bn", "Leave quickly") in pages["procedure"].text


async def test_leaving_quickly_ends_the_report_this_phone_held_open(intake):
    """Back after leaving finds the page asking for the receipt, not the report: leaving
    forgets the session, the unsent texts and the receipt before it goes."""
    reference, secret = await file_report(intake)
    status = await open_status(intake, reference, secret)
    assert reference in status.text
    assert f'id="quick-exit" href="/t/{TENANT}/leave"' in status.text
    left = await intake.client.get(f"/t/{TENANT}/leave")
    assert left.status_code == 303 and left.headers["location"] == NEUTRAL_SITE
    assert left.headers["clear-site-data"] == '"cache"'
    cleared = left.headers.get_list("set-cookie")
    for name, path in (("receipt_session", f"/t/{TENANT}/"), ("reply_draft",
                       f"/t/{TENANT}/status"), ("receipt", f"/t/{TENANT}/receipt")):  # fmt: skip
        (said,) = [c for c in cleared if c.startswith(f"{name}=")]
        assert "Max-Age=0" in said and f"Path={path}" in said, said
    back = await intake.client.get(f"/t/{TENANT}/status")
    assert back.status_code == 200 and reference not in back.text
    assert 'name="secret"' in back.text  # asked for the receipt again
    # Leaving works from any address, even one of no initiative, and reads nothing.
    elsewhere = await intake.client.get("/t/No%3BSuch/leave")
    assert elsewhere.status_code == 303 and elsewhere.headers["location"] == NEUTRAL_SITE
    assert "set-cookie" not in elsewhere.headers


def test_every_worker_page_is_built_on_the_base_that_carries_leave_quickly():
    templates = Path(redress.intake.__file__).parent / "templates"
    pages = sorted(p for p in templates.glob("*.html") if p.name != "base.html")
    assert len(pages) >= 9
    for template in pages:
        assert template.read_text().startswith('{% extends "base.html" %}'), template.name


async def set_time_frames(intake, acknowledge: int, feedback: int, plan: int) -> None:
    stream = derived_stream("tenant", TENANT)
    version = len(await intake.system.store.read_stream(stream))
    frames = TimeFramesSet(acknowledge_days=acknowledge, feedback_days=feedback, plan_days=plan)
    meta = Metadata(tenant=TENANT, actor=Actor(id="admin-1", role="admin"))
    await intake.system.store.append(stream, [frames], version, meta)


@pytest.mark.parametrize("lang", ["bn", "ar"])
async def test_the_procedure_page_says_the_tenants_time_frames_in_the_workers_language(
    intake, lang
):
    await set_time_frames(intake, 5, 60, 30)
    form = await intake.client.get(f"/t/{TENANT}/report?lang={lang}")
    link = f'href="/t/{TENANT}/procedure?lang={lang}" id="procedure-link"'
    assert link in form.text and say(lang, "How your report is handled") in form.text

    page = await intake.client.get(f"/t/{TENANT}/procedure?lang={lang}")
    assert page.status_code == 200 and f'lang="{lang}"' in page.text
    for message, days in zip(STEPS, (5, 60, 30), strict=True):
        assert step(lang, message, days) in page.text
    # Due dates count the tenant's working days: the page says which days it means.
    working = say(lang, "Days here are working days; days off do not count.")
    assert f'<p id="working-days">{working}</p>' in page.text
    for outcome in (*OUTCOMES.values(), STATUS["rejected"]):
        assert f"<li>{say(lang, outcome)}</li>" in page.text
    assert say(lang, "Staying anonymous") in page.text and say(lang, "Who sees what") in page.text
    assert "Acme Initiative" in page.text

    await set_time_frames(intake, 9, 60, 30)  # the page follows the tenant's settings
    page = await intake.client.get(f"/t/{TENANT}/procedure?lang={lang}")
    assert step(lang, STEPS[0], 9) in page.text


async def stages(intake, lang: str) -> list[str]:
    page = await intake.client.get(f"/t/{TENANT}/procedure?lang={lang}")
    listed = re.search(r'<ol id="stages">(.*?)</ol>', page.text, re.S).group(1)
    return re.findall(r"<li>(.*?)</li>", listed)


async def test_the_procedure_says_its_days_in_the_form_the_language_gives_each_number(intake):
    """English says 1 day and 3 days; Arabic has six forms, and says 3 days (CLDR's "few")
    in other words than 11 days ("many"), and 1 and 2 days in words of their own."""
    await set_time_frames(intake, 1, 3, 11)
    english = await stages(intake, "en")
    assert english[0].endswith("tell you within 1 day.")
    assert "what we found within 3 days of your report." in english[1]
    assert "is made within 11 days, and" in english[2]
    arabic = await stages(intake, "ar")
    assert [Locale("ar").plural_form(n) for n in (1, 3, 11)] == ["one", "few", "many"]
    assert "خلال يوم واحد" in arabic[0]  # one day: no digits, as Arabic says it
    assert "خلال 3 أيام من بلاغك" in arabic[1]  # few: the plural, أيام
    assert "خلال 11 يومًا، وتُنفَّذ" in arabic[2]  # many: the singular, accusative
    await set_time_frames(intake, 2, 100, 10)
    arabic = await stages(intake, "ar")
    assert "خلال يومين" in arabic[0]  # two: the dual
    assert "خلال 100 يوم من بلاغك" in arabic[1]  # other: the singular, genitive
    assert "خلال 10 أيام،" in arabic[2]


async def test_the_procedure_page_speaks_every_language_with_the_days_in_place(intake):
    await set_time_frames(intake, 6, 61, 31)
    for lang in LANGUAGES:
        page = await intake.client.get(f"/t/{TENANT}/procedure?lang={lang}")
        assert page.status_code == 200 and f'lang="{lang}"' in page.text, lang
        stages = re.search(r'<ol id="stages">(.*?)</ol>', page.text, re.S).group(1)
        assert all(f"{days}" in stages for days in (6, 61, 31)) and "%(" not in stages, lang


async def test_the_procedure_of_an_unknown_initiative_is_a_page_in_the_workers_language(intake):
    before = await intake.events()
    answer = await intake.client.get("/t/nobody/procedure?lang=ar")
    assert answer.status_code == 404 and 'lang="ar"' in answer.text
    assert answer.headers["content-type"].startswith("text/html")
    # A language it does not speak falls back to the browser's.
    fallback = await intake.client.get(
        f"/t/{TENANT}/procedure?lang=xx", headers={"accept-language": "bn"}
    )
    assert fallback.status_code == 200 and 'lang="bn"' in fallback.text
    assert await intake.events() == before
