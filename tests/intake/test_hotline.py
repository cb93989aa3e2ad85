"""The initiative's hotline reaches the worker wherever they are asked to call or cannot be
recorded: on every page (a link a phone dials, left to right on a right-to-left page), on
the page saying the service is out, and in the text saying a report could not be recorded."""

from __future__ import annotations

from redress.intake import texts
from redress.intake.sms_texts import CALL_US
from tests.intake.conftest import TENANT
from tests.intake.test_worker_errors import NARRATIVE, database_gone, sms_text, tr

NUMBER = "+880 9612-345678"
LINK = '<a class="tel" href="tel:+8809612345678" dir="ltr">+880 9612-345678</a>'


async def give_hotline(intake, number: str | None) -> None:
    given = await intake.client.put("/v1/tenant/hotline", json={"number": number},
                                    headers=intake.token(roles=("admin",)))  # fmt: skip
    assert given.status_code == 200, given.text
    assert given.json()["number"] == number


async def test_a_hotline_that_is_no_number_is_refused_in_words(intake):
    for number in ("call us", "+880--9612", "1234567890123456"):
        refused = await intake.client.put("/v1/tenant/hotline", json={"number": number},
                                          headers=intake.token(roles=("admin",)))  # fmt: skip
        assert refused.status_code == 422, refused.text
        (error,) = refused.json()["errors"]
        assert error["loc"] == ["body", "number"] and error["type"] == "bad-hotline"
        assert error["msg"].startswith("a hotline number is 3 to 15 digits"), error


async def test_every_page_gives_the_hotline_as_a_number_to_dial_once_there_is_one(intake):
    page = await intake.client.get(f"/t/{TENANT}/report?lang=ar")
    assert page.status_code == 200 and "tel:" not in page.text  # none given yet
    await give_hotline(intake, NUMBER)
    for path in ("report", "status", "procedure"):
        page = await intake.client.get(f"/t/{TENANT}/{path}?lang=ar")
        assert page.status_code == 200, (path, page.text[:300])
        sentence = tr(intake, "ar", CALL_US) % {"hotline": LINK}
        assert f'<p class="hotline">{sentence}</p>' in page.text, path
    await give_hotline(intake, None)
    assert "tel:" not in (await intake.client.get(f"/t/{TENANT}/report?lang=bn")).text
    # As an admin types it: spaces around, and the digits of their own script.
    typed = await intake.client.put("/v1/tenant/hotline", json={"number": " +৮৮০ ৯৬১২-৩৪৫৬৭৮ "},
                                    headers=intake.token(roles=("admin",)))  # fmt: skip
    assert typed.status_code == 200 and typed.json()["number"] == NUMBER, typed.text


async def test_a_worker_who_cannot_be_recorded_is_given_the_number_to_call(intake):
    """Out, the service cannot read the initiative: the number comes as it last read it."""
    await give_hotline(intake, NUMBER)
    assert (await intake.client.get(f"/t/{TENANT}/report?lang=bn")).status_code == 200
    async with database_gone(intake):
        page = await intake.client.get(f"/t/{TENANT}/report?lang=bn")
        texted = await sms_text(intake, "+66811113333", NARRATIVE["ar"], "SM-hotline-1")
    assert page.status_code == 503
    assert tr(intake, "bn", CALL_US) % {"hotline": LINK} in page.text
    unavailable = tr(intake, "ar", texts.PROBLEMS[503][1])
    call = tr(intake, "ar", CALL_US) % {"hotline": NUMBER}
    assert f"<Message>{unavailable} {call}</Message>" in texted
