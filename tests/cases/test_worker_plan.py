"""The worker sees the plan and has their say on it (issue 13, item 3), over HTTP only.

The status page lists the case's plan actions, who does each (by kind, never a person), by
when and how far; the worker agrees, objects with a comment or asks for a call, and says
for each action done whether it reached them (IOM steps 3 to 5). Both are recorded on the
case's timeline for the officers, never for the company. Read in Bengali and Arabic.
"""

from __future__ import annotations

import html
import re

import httpx
import pytest

from redress.intake.texts import (
    CONTROLS_TAKEN_OUT,
    DELIVERED,
    NOT_NOW,
    OBJECTION_NEEDS_COMMENT,
    OWNERS,
    PAGE_EXPIRED_REPLY,
    PLAN_ANSWERED,
    PLAN_ANSWERS,
    SESSION_ENDED,
    TOO_LONG,
)
from tests.cases.test_console import case_page, officer
from tests.cases.test_worker_loop import (
    CATALOGUES,
    LANGS,
    Worker,
    _shows,
    detail,
    grievance_events,
    officer_post,
    say,
    the_case,
)
from tests.events.helpers import wait_until
from tests.intake.conftest import CLIENT_ADDRESS

PLAN = {
    "bn": ("তিন মাসের ওভারটাইমের বকেয়া মজুরি পরিশোধ", "অর্ধেক টাকা দেওয়া হয়েছে"),
    "ar": ("دفع أجور العمل الإضافي المتأخرة عن ثلاثة أشهر", "دُفع نصف المبلغ"),
}
COMMENTS = {
    "bn": "টাকা হাতে নগদ দিতে হবে, দালালের মাধ্যমে নয়।",
    "ar": "يجب أن يُدفع المبلغ نقدًا لي مباشرة، لا عن طريق الوسيط.",
}


async def plan_with_one_action(platform, case_id: str, lang: str) -> str:
    for path, body in [("/accept", {}), ("/advance", {"to": "response"}),
                       ("/advance", {"to": "remediation_plan"}),
                       ("/actions", {"remedy": "wage_restitution", "owner": "supplier",
                                     "due_on": "2030-01-31",
                                     "description": PLAN[lang][0]})]:  # fmt: skip
        answer = await officer_post(platform, case_id, path, body)
        assert answer.status_code in (200, 201), answer.text
    version = answer.json()["version"]
    found: list[dict] = []

    async def shown() -> bool:  # 202 while the view has not reached the version: ask again
        read = await platform.cases.get(f"/v1/cases/{case_id}", params={"min_version": version},
                                        headers=platform.token())  # fmt: skip
        found[:] = read.json()["actions"] if read.status_code == 200 else []
        return bool(found)

    await wait_until(shown)
    (action,) = found
    return str(action["action_id"])


async def plan_form(worker: Worker, lang: str, form: dict):
    data = {"csrf": await worker.csrf(), **form}
    return await worker.client.post(f"/t/acme/status/plan?lang={lang}", data=data)


async def timeline(platform, case_id: str, headers: dict | None = None) -> list[dict]:
    answer = await platform.cases.get(f"/v1/cases/{case_id}/timeline",
                                      headers=headers or platform.token())  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def _entry(platform, case_id: str, kind: str) -> bool:
    return kind in {e["type"] for e in await timeline(platform, case_id)}


@pytest.mark.parametrize("lang", LANGS)
async def test_the_worker_reads_the_plan_objects_with_a_comment_and_says_what_reached_them(
    platform, lang
):
    worker = Worker(platform.intake)
    reference, secret = await worker.file(lang)
    case_id = await the_case(platform)
    action_id = await plan_with_one_action(platform, case_id, lang)

    await wait_until(lambda: _shows(worker, reference, secret, PLAN[lang][0]))
    page = await worker.open(reference, secret)
    assert f'<dd class="owner">{say(lang, OWNERS["supplier"])}</dd>' in page
    assert 'class="due"' in page and "officer-1" not in page  # an owner by kind, no person

    # An objection without a comment: the page in the worker's language, nothing written.
    count = len(await grievance_events(platform, reference))
    bare = await plan_form(worker, lang, {"answer": "object"})
    assert bare.status_code == 422 and say(lang, OBJECTION_NEEDS_COMMENT) in bare.text
    assert f'lang="{lang}"' in bare.text
    # A comment holding a control character comes back without it, to be sent again; one
    # too long comes back whole, to be shortened. Nothing is written.
    hidden = await plan_form(worker, lang, {"answer": "object", "comment": f"\x00{COMMENTS[lang]}"})
    assert hidden.status_code == 422 and say(lang, CONTROLS_TAKEN_OUT) in hidden.text
    assert f'name="comment" maxlength="5000">{COMMENTS[lang]}</textarea>' in hidden.text
    assert 'name="message" maxlength="5000" required></textarea>' in hidden.text  # not the reply
    long = COMMENTS[lang] * (5000 // len(COMMENTS[lang]) + 1)
    shorten = await plan_form(worker, lang, {"answer": "object", "comment": long})
    assert shorten.status_code == 422 and f">{long}</textarea>" in shorten.text
    told = CATALOGUES.get(lang).ngettext(TOO_LONG.singular, TOO_LONG.plural, 5000)
    assert told % {"limit": 5000} in shorten.text
    # An objection sent from an expired page, or after the session ended, keeps its comment:
    # on the status page, or through the page asking for the receipt and back into its box.
    origin = re.search(r'name="origin" value="([^"]+)"', hidden.text).group(1)
    objection = {"answer": "object", "comment": COMMENTS[lang], "origin": origin}
    in_box = f'name="comment" maxlength="5000">{COMMENTS[lang]}</textarea>'
    stale = await worker.client.post(f"/t/acme/status/plan?lang={lang}",
                                     data={"csrf": "0" * 64, **objection})  # fmt: skip
    assert stale.status_code == 403 and in_box in stale.text
    assert say(lang, PAGE_EXPIRED_REPLY) in stale.text
    worker.client.cookies.delete("receipt_session")  # half an hour later
    ended = await plan_form(worker, lang, objection)
    assert ended.status_code == 401 and say(lang, SESSION_ENDED) in ended.text
    assert f'name="plan_draft" maxlength="5000">{COMMENTS[lang]}</textarea>' in ended.text
    reopened = await worker.client.post(
        f"/t/acme/status/open?lang={lang}", follow_redirects=True,
        data={"csrf": await worker.csrf(), "reference": reference, "secret": secret,
              "plan_draft": COMMENTS[lang], "origin": origin},
    )  # fmt: skip
    assert reopened.status_code == 200 and in_box in reopened.text
    assert 'name="message" maxlength="5000" required></textarea>' in reopened.text
    assert len(await grievance_events(platform, reference)) == count

    objected = await plan_form(worker, lang, {"answer": "object", "comment": COMMENTS[lang]})
    assert objected.status_code == 303 and objected.headers["location"].endswith("#plan-answer")
    page = (await worker.client.get(objected.headers["location"])).text
    assert f'<p id="plan-answer">{say(lang, PLAN_ANSWERS["object"])}</p>' in page
    assert page.count(say(lang, PLAN_ANSWERS["object"])) == 1  # said there, and only there
    assert 'id="plan-form"' not in page
    # Recorded on the case: the answer in the timeline, the comment in the thread.
    await wait_until(lambda: _entry(platform, case_id, "PlanAnswered"))
    answered = [e for e in await timeline(platform, case_id) if e["type"] == "PlanAnswered"]
    assert answered[0]["details"]["answer"] == "object"
    assert COMMENTS[lang] in {m["text"] for m in (await detail(platform, case_id))["thread"]}
    again = await plan_form(worker, lang, {"answer": "agree"})  # from an older tab, say
    assert again.status_code == 409 and say(lang, PLAN_ANSWERED) in again.text

    # Progress reaches the page; once done, the worker says it did not reach them.
    not_done = await plan_form(worker, lang, {"action": action_id, "delivered": "yes"})
    assert not_done.status_code == 409
    updated = await officer_post(platform, case_id, f"/actions/{action_id}",
                                 {"progress": PLAN[lang][1], "done": True})  # fmt: skip
    assert updated.status_code == 200, updated.text
    await wait_until(lambda: _shows(worker, reference, secret, PLAN[lang][1]))
    count = len(await grievance_events(platform, reference))
    for form in ({"action": "no-such-action", "delivered": "no"},
                 {"action": action_id, "delivered": "perhaps"}):  # fmt: skip
        bad = await plan_form(worker, lang, form)
        assert bad.status_code in (409, 422) and f'lang="{lang}"' in bad.text
    assert len(await grievance_events(platform, reference)) == count
    # As the page sends it: a button of the reply's form, naming the action in its address,
    # with a reply half written beside it, which waits in its box afterwards (it was lost).
    page = (await worker.client.get(f"/t/acme/status?lang={lang}")).text
    address = f"/t/acme/status/plan?lang={lang}&amp;action={action_id}"
    assert page.count(f'form="reply-form" formaction="{address}" name="delivered"') == 2
    origin = re.search(r'name="origin" value="([^"]+)"', page).group(1)
    form = {"csrf": await worker.csrf(), "delivered": "no", "message": REPLY, "origin": origin}
    said = await worker.client.post(html.unescape(address), data=form)
    assert said.status_code == 303 and said.headers["location"].endswith(f"#action-{action_id}")
    page = (await worker.client.get(said.headers["location"])).text
    assert f'<div class="action" id="action-{action_id}">' in page
    assert f'<dd class="delivered">{say(lang, DELIVERED[False])}</dd>' in page
    assert page.count(say(lang, DELIVERED[False])) == 1
    assert f"required>{REPLY}</textarea>" in page
    await wait_until(lambda: _entry(platform, case_id, "RemedyConfirmed"))
    confirmed = [e for e in await timeline(platform, case_id) if e["type"] == "RemedyConfirmed"]
    assert confirmed[0]["details"] == {"action_id": action_id, "delivered": False}

    # The officers' console shows both in the case's timeline.
    async with officer(platform) as client:
        console = await case_page(client, case_id)
    assert "The worker answered on the plan" in console
    assert "The worker said whether a remedy of the plan reached them" in console

    # The company follows the plan, not what the worker said of it.
    member = {e["type"] for e in await timeline(platform, case_id, platform.member())}
    assert "PlanActionAdded" in member
    assert not member & {"PlanAnswered", "RemedyConfirmed"}


@pytest.mark.parametrize("lang", LANGS)
async def test_a_call_asked_for_is_recorded_and_no_plan_no_answer(platform, lang):
    worker = Worker(platform.intake)
    reference, secret = await worker.file(lang)
    case_id = await the_case(platform)
    await worker.open(reference, secret)
    count = len(await grievance_events(platform, reference))
    early = await plan_form(worker, lang, {"answer": "agree"})
    assert early.status_code == 409 and say(lang, NOT_NOW) in early.text
    forged = await worker.client.post(f"/t/acme/status/plan?lang={lang}",
                                      data={"csrf": "0" * 64, "answer": "agree"})  # fmt: skip
    assert forged.status_code == 403
    # Someone without the receipt: another phone, with no session.
    transport = httpx.ASGITransport(app=platform.intake_app, client=CLIENT_ADDRESS)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as stranger:
        answer = await plan_form(Worker(stranger), lang, {"answer": "agree"})
        assert answer.status_code == 401 and f'lang="{lang}"' in answer.text
    assert len(await grievance_events(platform, reference)) == count

    await plan_with_one_action(platform, case_id, lang)
    await wait_until(lambda: _shows(worker, reference, secret, PLAN[lang][0]))
    # A comment only an objection sends is not read: not even refused for what it holds.
    called = await plan_form(worker, lang, {"answer": "call", "comment": "\x00"})
    assert called.status_code == 303
    page = (await worker.client.get(called.headers["location"])).text
    assert say(lang, PLAN_ANSWERS["call"]) in page
    await wait_until(lambda: _entry(platform, case_id, "PlanAnswered"))


REPLY = "মালিক বলেছে যারা অভিযোগ করেছে তাদের ছাঁটাই করা হবে।"


async def shown_a_plan(platform) -> tuple[Worker, str, str, str]:
    """A report in Bengali whose case has a plan of one action, and its page showing it."""
    worker = Worker(platform.intake)
    reference, secret = await worker.file("bn")
    await plan_with_one_action(platform, await the_case(platform), "bn")
    await wait_until(lambda: _shows(worker, reference, secret, PLAN["bn"][0]))
    return worker, reference, secret, await worker.open(reference, secret)


async def test_a_comment_on_the_plan_is_kept_through_a_change_of_language_and_a_reply(platform):
    """The plan's answer belongs to the reply's form: the language buttons, which send that
    form, keep the comment being written; sending one of the two keeps the other in its box."""
    worker, reference, _, page = await shown_a_plan(platform)
    assert '<textarea id="plan-comment" form="reply-form" name="comment"' in page
    assert page.count('form="reply-form" formaction="/t/acme/status/plan?lang=bn"') == 3
    origin = re.search(r'name="origin" value="([^"]+)"', page).group(1)
    count = len(await grievance_events(platform, reference))
    typed = {"csrf": await worker.csrf(), "origin": origin, "message": REPLY,
             "comment": COMMENTS["bn"]}  # fmt: skip
    comment_kept = f'name="comment" maxlength="5000">{COMMENTS["bn"]}</textarea>'
    reply_kept = f'name="message" maxlength="5000" required>{REPLY}</textarea>'

    switched = await worker.client.post(
        "/t/acme/status?lang=ar", data={**typed, "retaliation": "yes", "do": "switch"}
    )
    assert switched.status_code == 200 and '<html lang="ar"' in switched.text
    assert comment_kept in switched.text and reply_kept in switched.text
    assert 'id="retaliation" name="retaliation" value="yes" checked' in switched.text
    assert len(await grievance_events(platform, reference)) == count  # nothing sent

    # The reply sent: the comment typed beside it waits in its box on the page that follows.
    sent = await worker.client.post("/t/acme/status?lang=ar", data={**typed, "do": "reply"})
    assert sent.status_code == 303, sent.text
    after = (await worker.client.get(sent.headers["location"])).text
    assert comment_kept in after and reply_kept not in after

    # The objection sent: the reply written again beside it waits in its box.
    objected = await plan_form(
        worker, "ar", {"origin": origin, "answer": "object", "comment": COMMENTS["bn"],
                       "message": REPLY},
    )  # fmt: skip
    assert objected.status_code == 303, objected.text
    after = (await worker.client.get(objected.headers["location"])).text
    assert reply_kept in after and 'id="plan-form"' not in after
    types = [e.type for e in await grievance_events(platform, reference)][count:]
    # The reply once; the objection, with its comment in the thread; the reply not again.
    assert types == ["WorkerMessagePosted", "PlanAnswered", "WorkerMessagePosted"]


async def test_a_withdrawn_report_lists_no_date_for_what_will_no_longer_be_done(platform):
    """Withdrawn, nothing more is done: the plan's action not done says it is no longer
    planned, not that it is to be done by its date."""
    worker, reference, secret, page = await shown_a_plan(platform)
    no_longer = say("bn", "No longer planned.")
    assert '<dd class="due">' in page and no_longer not in page
    withdrawn = await worker.act("bn", do="withdraw", confirm="yes")
    assert withdrawn.status_code == 303, withdrawn.text
    await wait_until(lambda: _shows(worker, reference, secret, 'id="ended"'))
    page = await worker.open(reference, secret)
    assert PLAN["bn"][0] in page
    assert f'<dd class="due">{no_longer}</dd>' in page
