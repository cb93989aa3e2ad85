"""A draft's answers from its page: all its criteria are one form, and each of the form's Save
buttons sends them all, so that saving one criterion never loses what was typed in another
(the pages need no script to keep it).

The criteria whose answer changed (compared with the answers the views hold: the page's
own, which waited for them) are recorded in one write; a criterion left as it was records
nothing. Files chosen are attached after them. A form with anything wrong in it records
nothing at all: the page comes back (422) with everything as typed and each wrong field
marked and said plainly, so that the assessor never has to work out which of the answers on
a page stand and which do not. The form's Submit button saves the same way, then leads to
the page that asks to confirm (`submitting`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from redress.assessment import files_api, plainly
from redress.assessment import handlers as h
from redress.assessment import requests as r
from redress.assessment.answer_pages import Overtaken, Shown, evidence_of
from redress.assessment.api import found
from redress.assessment.context import AssessmentDesk
from redress.assessment.pages import (
    CONSOLE,
    PATH,
    Id,
    Reader,
    answer_digest,
    assessment_page,
    back,
    carried,
    evidence_digest,
    respondent,
    shown_answer,
)  # fmt: skip
from redress.assessment.reading import framework_of
from redress.events.application import Refused
from redress.kit import console
from redress.kit.console.refusals import Failure, FieldError, failure
from redress.kit.errors import Problem

router = APIRouter(prefix=PATH, include_in_schema=False, route_class=CONSOLE.route)
FORM = "answer"
"""The draft form's key on the page: its fields are marked `answer-<criterion>-<field>`."""
ANSWER_FIELDS = ("answer", "reason", "evidence")


@dataclass
class Draft:
    """What the form asks of the assessment: the answers changed, the files chosen, and
    what is wrong with any of them (by `<criterion>-<field>`)."""

    answers: dict[str, r.AnswerBody] = field(default_factory=dict)
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)
    wrong: dict[str, str] = field(default_factory=dict)
    file_status: int = 422
    overtaken: dict[str, str] = field(default_factory=dict)
    """The criteria changed by someone else since the page was shown, with the answer now."""
    untouched: set[str] = field(default_factory=set)

    @property
    def status(self) -> int:
        """422; a file's own (413 too large, 415 its type) when only files are wrong; 409
        when only answers saved by someone else since the page was shown stand in the way."""
        if all(k.removesuffix("-answer") in self.overtaken for k in self.wrong):
            return 409
        only_files = all(k.endswith("-file") for k in self.wrong)
        return self.file_status if only_files else 422


def answer_in(form: FormData, criterion: str, stored: dict[str, Any] | None
              ) -> r.AnswerBody | None:  # fmt: skip
    """The criterion's answer as the form gives it; None when it is as the page showed it
    (whatever was saved since), or as stored now. Its fields are named `<criterion>.<field>`,
    and `<criterion>.shown` names the answer the page was rendered with (`shown_answer`); a
    form without it is compared with the answer stored."""
    stored = stored or {}
    value = console.field(form, f"{criterion}.answer")
    reason = console.field(form, f"{criterion}.reason") or ""
    evidence = evidence_of(stored, form, f"{criterion}.")
    now = shown_answer(stored)
    shown = console.field(form, f"{criterion}.shown") or now
    text, url = (console.field(form, f"{criterion}.evidence_{k}") for k in ("text", "url"))
    added = [evidence_digest({"text": text, "url": url})] if text or url else []
    mine = answer_digest(value, reason, [*console.values(form, f"{criterion}.keep"), *added])
    if mine in (shown, now):  # left as shown, or the same as saved since: nothing to write
        return None
    given_now = {"reason": reason, "evidence": evidence} | ({"answer": value} if value else {})
    body = r.AnswerBody.model_validate(given_now)
    if now != shown:
        raise Overtaken(stored, "what you typed is kept below: save again to put it in place "
                        "of theirs")  # fmt: skip
    return body


async def read(form: FormData, criteria: list[str], stored: dict[str, Any]) -> Draft:
    draft = Draft()
    for criterion in criteria:
        try:
            if (body := answer_in(form, criterion, stored.get(criterion))) is not None:
                draft.answers[criterion] = body
        except ValidationError as exc:
            draft.wrong |= plainly.fields(exc, ANSWER_FIELDS, f"{criterion}-{{}}".format)
        except Overtaken as exc:
            draft.wrong[f"{criterion}-answer"] = exc.detail
            draft.overtaken[criterion] = shown_answer(stored.get(criterion))
        else:
            if body is None:
                draft.untouched.add(criterion)
        upload = form.get(f"{criterion}.file")
        if isinstance(upload, UploadFile) and upload.filename:
            draft.untouched.discard(criterion)
            try:
                draft.files[criterion] = await files_api.checked(upload)
            except Problem as exc:
                draft.wrong[f"{criterion}-file"] = f"{exc.detail[:1].upper()}{exc.detail[1:]}"
                draft.file_status = exc.status
    return draft


@dataclass
class Refusal(Shown):
    """The draft's form refused, and the criteria it left as they were shown."""

    untouched: set[str] = field(default_factory=set)

    def context(self) -> dict[str, Any]:
        return super().context() | {"untouched": self.untouched}


def refused(form: FormData, exc: Exception, criteria: list[str], draft: Draft | None = None
            ) -> Failure:  # fmt: skip
    """The form refused, to show again as typed: its boxes ticked by `<criterion>:<digest>`
    (the same item of evidence may be given for two criteria), beside the items its page
    listed, which the form carried back (`<criterion>.item`). A criterion the form left as
    shown is shown as it is stored now (someone else may have saved it meanwhile); one
    overtaken is kept as typed, named as the answer now stored, so that sending it again
    puts it in place of the answer its author has now seen."""
    shown = Refusal(**vars(failure(FORM, exc, form, ())))
    shown.untouched = draft.untouched if draft else set()
    for c, now in (draft.overtaken if draft else {}).items():
        shown.typed[f"{c}.shown"] = now
    shown.ticks = {f"{c}:{d}" for c in criteria for d in console.values(form, f"{c}.keep")}
    shown.carried = {c: carried(form, f"{c}.item") for c in criteria}
    # A browser never fills a file box again: the page names each file it must be given anew.
    for c in criteria:
        upload = form.get(f"{c}.file")
        if isinstance(upload, UploadFile) and upload.filename:
            shown.typed[f"{c}.file"] = upload.filename
    return shown


@router.post("/{assessment_id}/answers")
async def save(request: Request, assessment_id: Id, p: Reader, desk: AssessmentDesk
               ) -> Response:  # fmt: skip
    form = await CONSOLE.form(request)
    member = respondent(p)
    assessment = await found(desk.pool, p, assessment_id, desk.keyring)
    framework = framework_of(assessment, desk.frameworks)
    # Only the criteria the form carries: a form without one's fields leaves it alone.
    criteria = [c for c in dict.fromkeys(console.values(form, "criteria"))
                if c in framework.criteria()]  # fmt: skip
    draft = await read(form, criteria, assessment["answers"])
    if draft.wrong:
        exc = FieldError.several(draft.wrong)
        exc.status = draft.status
        shown = refused(form, exc, criteria, draft)
        return await assessment_page(request, assessment_id, p, desk, shown)
    written: r.Written | None = None
    try:
        if draft.answers:
            written = await h.answer_all(desk, member, assessment_id, draft.answers)
        for criterion, (name, media_type, content) in draft.files.items():
            written = await h.attach(desk, member, assessment_id, criterion, name, media_type,
                                     content)  # fmt: skip
    except (Refused, Problem) as exc:
        return await assessment_page(request, assessment_id, p, desk, refused(form, exc, criteria))
    if console.field(form, "then") == "submit":  # saved: now asked to confirm (`submitting`)
        seen = f"?v={written.version}" if written else ""
        return RedirectResponse(f"{PATH}/{assessment_id}/submit{seen}", 303)
    changed = [*draft.answers, *draft.files]
    at = console.field(form, "at") or (changed[0] if changed else "")
    anchor = f"c-{at}" if at in criteria else ""
    if written is None:  # nothing changed: nothing recorded, the page as it stands
        return RedirectResponse(f"{PATH}/{assessment_id}{'#' + anchor if anchor else ''}", 303)
    return back(assessment_id, written, anchor)
