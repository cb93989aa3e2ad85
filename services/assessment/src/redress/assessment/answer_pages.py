"""The assessment page's forms on one criterion and on its action plan: reply to a
challenge (with the documents chosen on it, in the reply's write), review, plan an action,
report progress (a draft's answers are one form of their
own: `draft_answers`). Each runs the API's handler, then shows the page; refused, the page
again with the form as it was sent, its wrong fields marked and said plainly
(`redress.kit.console.refusals`, `plainly`), and the status the API would have answered.
A reply is written against the answer its page showed: one revised by someone else since
is refused (409, `Overtaken`), as a draft's Save refuses a change to it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from dataclasses import field as kept_field
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from redress.assessment import files_api, plainly
from redress.assessment import handlers as h
from redress.assessment import requests as r
from redress.assessment.api import found
from redress.assessment.context import AssessmentDesk
from redress.assessment.frameworks import Framework
from redress.assessment.pages import (
    CONSOLE,
    PATH,
    Criterion,
    Id,
    Reader,
    answer_digest,
    assessment_page,
    back,
    carried,
    evidence_digest,
    field,
    given,
    listed,
    respondent,
    shown_answer,
)  # fmt: skip
from redress.assessment.reading import framework_of
from redress.assessment.state import AssessmentRefused
from redress.kit import console
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.console import human
from redress.kit.console.refusals import FORM_ERRORS, Failure, FieldError, failure
from redress.kit.deps import authorise
from redress.kit.errors import Problem

router = APIRouter(prefix=PATH, include_in_schema=False, route_class=CONSOLE.route)


Act = Callable[[FormData], Awaitable[r.Written]]


@dataclass
class Shown(Failure):
    """A refused form of the page, and the evidence each answer of it listed, carried back
    by the form (by the form's key, or the draft's criterion): listed again as it was, each
    box as the user left it, though the answer stored now has it no more."""

    carried: dict[str, list[dict[str, str]]] = kept_field(default_factory=dict)

    def context(self) -> dict[str, Any]:
        return super().context() | {"carried": self.carried}


class Overtaken(FieldError):
    """Someone else saved the criterion's answer after the page was shown, and the form
    answers it: sent, it would replace theirs unseen, or reply to an answer never seen.
    `revises`: whether the form changes the answer its page showed."""

    def __init__(self, theirs: dict[str, Any], again: str, revises: bool = True) -> None:
        said = human(theirs.get("answer") or "no answer")
        said += f": {theirs['reason']}" if theirs.get("reason") else ""
        said = said if len(said) <= 300 else f"{said[:299]}…"
        who = theirs.get("answered_by") or "someone"
        super().__init__("answer", f"{who[:1].upper()}{who[1:]} saved “{said}” after you opened "
                         f"this page; {again}", 409)  # fmt: skip
        self.theirs, self.revises = theirs, revises


async def _form(request: Request, assessment_id: str, p: Principal, desk: Any,
                key: str | Callable[[FormData], str], act: Act, anchor: str
                ) -> Response:  # fmt: skip
    """Run a form of the assessment's page (`key`: its kind and criterion, or what names it
    from the form), then show the page at `anchor`; refused, the page again with the form
    as it was sent."""
    form = await CONSOLE.form(request)
    key = key(form) if callable(key) else key
    try:
        written = await act(form)
    except FORM_ERRORS as exc:
        wrong = plainly.fields(exc, FIELDS) if isinstance(exc, ValidationError) else None
        refused = Shown(**vars(failure(key, FieldError.several(wrong) if wrong else exc, form,
                                       FIELDS, ticked="keep")))  # fmt: skip
        refused.carried[key] = carried(form, "item")
        if isinstance(exc, Overtaken) and not exc.revises:
            # The answer left as the page showed it: shown as it stands now, to reply to.
            for name in ("answer", "evidence_text", "evidence_url"):
                refused.typed.pop(name, None)
            refused.typed["reason"] = exc.theirs.get("reason") or ""
            refused.ticks = {evidence_digest(e) for e in exc.theirs.get("evidence") or []}
            del refused.carried[key]
        # A browser never fills a file box again: the page names the file to choose anew.
        if isinstance(upload := form.get("file"), UploadFile) and upload.filename:
            refused.typed["file"] = upload.filename
        return await assessment_page(request, assessment_id, p, desk, refused)
    return back(assessment_id, written, anchor)


# The fields of the page's forms, as a refusal marks them.
FIELDS = ("answer", "reason", "evidence", "comment", "verdict", "owner", "due_on", "description",
          "note")  # fmt: skip


async def _answered(desk: Any, p: Principal, assessment_id: str, criterion: str
                    ) -> dict[str, Any]:  # fmt: skip
    """The criterion's answer as the views have it (its evidence opened); empty if none."""
    one = await found(desk.pool, p, assessment_id, desk.keyring)
    answered: dict[str, Any] = one["answers"].get(criterion) or {}
    return answered


def evidence_of(answered: dict[str, Any], form: FormData, prefix: str = "") -> list[dict[str, str]]:
    """The answer's evidence as the form leaves it: each item its page listed (`item`, or
    else the answer's) that is still ticked (`keep`, by its digest, so that an item added
    meanwhile elsewhere is not mistaken for another), then the item the form adds; the
    fields' names after `prefix` (the draft's form names them by criterion). An answer is
    recorded whole: what the form does not send back is gone."""
    kept = set(console.values(form, f"{prefix}keep"))
    shown = listed(carried(form, f"{prefix}item"), answered)
    items = [given(e) for e in shown if evidence_digest(e) in kept]
    text, url = field(form, f"{prefix}evidence_text"), field(form, f"{prefix}evidence_url")
    added = {k: v for k, v in (("text", text), ("url", url)) if v}
    return [*items, added] if added else items


@router.post("/{assessment_id}/answers/{criterion}/reply")
async def reply(request: Request, assessment_id: Id, criterion: Criterion, p: Reader,
                desk: AssessmentDesk) -> Response:  # fmt: skip

    async def act(form: FormData) -> r.Written:
        # The documents chosen go with the reply, in its write: checked first, as the draft's.
        files, upload = [], form.get("file")
        if isinstance(upload, UploadFile) and upload.filename:
            try:
                files.append(await files_api.checked(upload))
            except Problem as exc:
                said = f"{exc.detail[:1].upper()}{exc.detail[1:]}"
                raise FieldError("file", said, exc.status) from None
        data: dict[str, Any] = {"comment": field(form, "comment")}
        answered = await _answered(desk, p, assessment_id, criterion)
        reason, evidence = field(form, "reason") or "", evidence_of(answered, form)
        # The answer as the page showed it (`shown`, and its value: "keep it as it is"); a
        # form without it is compared with the answer stored.
        now, value = shown_answer(answered), field(form, "answer")
        shown = field(form, "shown") or now
        kept = field(form, "shown_value") or answered.get("answer")
        text, url = field(form, "evidence_text"), field(form, "evidence_url")
        added = [evidence_digest({"text": text, "url": url})] if text or url else []
        mine = answer_digest(value or kept, reason, [*console.values(form, "keep"), *added])
        # A reply revises the answer when the form changes it: its value, or only the reason
        # or the evidence shown with it ("keep it as it is" keeps the value, then).
        revises = bool(value) or mine != shown
        if shown != now:  # someone else's answer since: this reply was written to another
            again = ("what you typed is kept below: send it again to put it in place of theirs"
                     if revises else "your reply is kept below: send it again to reply to "
                     "their answer")  # fmt: skip
            raise Overtaken(answered, again, revises)
        revised = value or (answered.get("answer") if revises else None)
        if revised:
            data |= {"answer": revised, "reason": reason, "evidence": evidence}
        body = r.ReplyBody.model_validate(data)
        return await h.reply(desk, respondent(p), assessment_id, criterion, body, files=files)

    return await _form(request, assessment_id, p, desk, f"reply-{criterion}", act,
                       f"c-{criterion}")  # fmt: skip


@router.post("/{assessment_id}/answers/{criterion}/review")
async def review(request: Request, assessment_id: Id, criterion: Criterion, p: Reader,
                 desk: AssessmentDesk) -> Response:  # fmt: skip
    officer = authorise(p, Action.assessment_review)

    async def act(form: FormData) -> r.Written:
        comment = field(form, "comment")
        if field(form, "verdict") == "challenge":
            body = r.CommentBody.model_validate({"comment": comment})
            return await h.challenge(desk, officer, assessment_id, criterion, body)
        verdict = r.VerifyBody.model_validate({"comment": comment})
        return await h.verify(desk, officer, assessment_id, criterion, verdict)

    return await _form(request, assessment_id, p, desk, f"review-{criterion}", act,
                       f"c-{criterion}")  # fmt: skip


@router.post("/{assessment_id}/actions/{criterion}")
async def plan_action(request: Request, assessment_id: Id, criterion: Criterion, p: Reader,
                      desk: AssessmentDesk) -> Response:  # fmt: skip

    async def act(form: FormData) -> r.Written:
        body = r.ActionBody.model_validate({
            "owner": field(form, "owner"), "due_on": field(form, "due_on"),
            "description": field(form, "description")})  # fmt: skip
        try:
            return await h.plan_action(desk, respondent(p), assessment_id, criterion, body)
        except AssessmentRefused as exc:  # said beside the field it is about
            if exc.kind != "owner-required":
                raise
            raise FieldError("owner", "Say who answers for the action: a role or a name") from None

    return await _form(request, assessment_id, p, desk, f"plan-{criterion}", act, "plan")


@router.post("/{assessment_id}/actions/{criterion}/progress")
async def progress(request: Request, assessment_id: Id, criterion: Criterion, p: Reader,
                   desk: AssessmentDesk) -> Response:  # fmt: skip

    async def act(form: FormData) -> r.Written:
        body = r.ProgressBody.model_validate({"note": field(form, "note"),
                                              "done": field(form, "done") == "yes"})  # fmt: skip
        return await h.report_progress(desk, respondent(p), assessment_id, criterion, body)

    return await _form(request, assessment_id, p, desk, f"progress-{criterion}", act, "plan")


def named(framework: Framework, criterion: str) -> str:
    """A criterion in words, as the page heads it: its step or section, level and rank."""
    c = framework.criteria()[criterion]
    level = human(framework.levels[c.level]) if c.level is not None else "question"
    return f"{framework.group_title(c.group)}, {level} {c.rank}"


OWED = {"challenged": "the member owes a reply", "answered": "the member replied: verify it or "
        "challenge it again"}  # fmt: skip


@router.post("/{assessment_id}/rating")
async def rating(request: Request, assessment_id: Id, p: Reader, desk: AssessmentDesk
                 ) -> Response:  # fmt: skip
    """Propose the rating (officers), agree or dispute it (the member); refused, the page
    again with the comment as typed and the reason beside the form, the challenges still
    open named in words."""

    async def act(form: FormData) -> r.Written:
        match field(form, "step"):
            case "propose":
                officer = authorise(p, Action.assessment_review)
                body = r.ProposeBody.model_validate({"comment": field(form, "comment")})
                try:
                    return await h.propose(desk, officer, assessment_id, body)
                except AssessmentRefused as exc:
                    if exc.kind != "open-challenges":
                        raise
                    one = await found(desk.pool, p, assessment_id, desk.keyring)
                    f = framework_of(one, desk.frameworks)
                    open_ = [f"{named(f, c)} ({OWED[one['answers'][c]['review']]})"
                             for c in f.criteria() if one["answers"].get(c, {}).get("review")
                             in OWED]  # fmt: skip
                    said = f"settle the challenges first: {'; '.join(open_)}"
                    raise AssessmentRefused("open-challenges", said) from None
            case "agree":
                return await h.agree(desk, respondent(p), assessment_id)
            case _:
                why = r.CommentBody.model_validate({"comment": field(form, "comment")})
                return await h.dispute(desk, respondent(p), assessment_id, why)

    def key(form: FormData) -> str:  # the page's form that was sent
        step = field(form, "step")
        return step if step in ("propose", "agree") else "dispute"

    return await _form(request, assessment_id, p, desk, key, act, "rating")
