"""Server-rendered pages over the same handlers and reads as the API: members answer and
agree, officers review, without JavaScript and by keyboard.

People log in by pasting a bearer token, kept in an HttpOnly, SameSite=Strict cookie scoped
to /assessments and verified on every request; every form carries a CSRF token. Each form
runs the API's handler for its command, then redirects to the assessment's page, which
waits for the views to show the write.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from redress.assessment import evidence, export, plan
from redress.assessment import handlers as h
from redress.assessment import queries as q
from redress.assessment import requests as r
from redress.assessment.api import VIEWS, found
from redress.assessment.context import AssessmentDesk, Desk
from redress.assessment.domain import aggregate
from redress.assessment.pages_render import PageRoute, page
from redress.assessment.reading import compared, framework_of, scored
from redress.events.catalogue.assessment import AnswerValue
from redress.events.projection import wait_for_version
from redress.kit import csrf
from redress.kit.auth import InvalidToken, Principal
from redress.kit.authz import Action, Role, allowed, authorising_role
from redress.kit.deps import authorise
from redress.kit.errors import Problem
from redress.kit.proxy import secure_cookies

PATH = "/assessments"
COOKIE = "assessment_token"
MAX_TOKEN = 8192
router = APIRouter(prefix=PATH, include_in_schema=False, route_class=PageRoute)
Id = Annotated[str, Path(max_length=100)]
Criterion = Annotated[str, Path(pattern=r.ID, max_length=40)]


class LoginRequired(Exception):
    """No valid token in the cookie: the browser is sent to the login page."""


async def to_login(request: Request, exc: Exception) -> Response:
    return RedirectResponse(f"{PATH}/login", status_code=303)


async def _verify(request: Request, token: str) -> Principal:
    principal: Principal = await request.app.state.runtime.verifier.verify(token)
    return principal


async def reader(request: Request) -> Principal:
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired
    try:
        principal = await _verify(request, token)
    except InvalidToken:
        raise LoginRequired from None
    return authorise(principal, Action.assessment_read)


Reader = Annotated[Principal, Depends(reader)]


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


async def _form(request: Request, desk: Desk) -> FormData:
    form = await request.form()
    csrf.check(request, desk.csrf_key, _field(form, "csrf") or None)
    return form


def _respondent(p: Principal) -> Principal:
    role = authorising_role(p.roles, Action.assessment_answer)
    return authorise(p, Action.assessment_answer if role else Action.assessment_self)


def _valid(model: type[Any], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        said = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
        raise Problem(422, "validation", said) from None


def _back(assessment_id: str, written: r.Written, anchor: str = "") -> Response:
    where = f"{PATH}/{assessment_id}?v={written.version}{'#' + anchor if anchor else ''}"
    return RedirectResponse(where, status_code=303)


# -- log in and out ---------------------------------------------------------------------------


@router.get("/login")
async def login_form(request: Request, desk: AssessmentDesk) -> Response:
    notice = "out" if request.query_params.get("done") == "out" else None
    return page(request, desk.csrf_key, "login.html", notice=notice)


@router.post("/login")
async def login(request: Request, desk: AssessmentDesk) -> Response:
    form = await _form(request, desk)
    token = _field(form, "token").removeprefix("Bearer ").strip()
    if not token or len(token) > MAX_TOKEN:
        return page(request, desk.csrf_key, "login.html", 422, error="Paste your access token.")
    try:
        principal = await _verify(request, token)
    except InvalidToken as exc:
        return page(request, desk.csrf_key, "login.html", 401,
                    error=f"That token was refused: {exc}")  # fmt: skip
    if not allowed(principal.roles, Action.assessment_read):
        return page(request, desk.csrf_key, "login.html", 403, error="These pages are for "
                    "member companies and the initiative's officers.")  # fmt: skip
    response = RedirectResponse(PATH, status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict",
                        secure=secure_cookies(request), path=PATH)  # fmt: skip
    return response


@router.post("/logout")
async def logout(request: Request, desk: AssessmentDesk) -> Response:
    await _form(request, desk)
    response = RedirectResponse(f"{PATH}/login?done=out", status_code=303)
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="strict",
                           secure=secure_cookies(request))  # fmt: skip
    return response


# -- the list, the history, starting ----------------------------------------------------------


@router.get("")
async def listing(request: Request, p: Reader, desk: AssessmentDesk) -> Response:
    mine = h.scope(p)
    async with desk.pool.acquire() as conn:
        found = await q.listing(conn, p.tenant, q.Filter(org=mine), None, 200)
        history = await q.history(conn, p.tenant, mine) if mine else []
    journey = desk.frameworks.latest("gm-journey")
    assert journey is not None
    return page(request, desk.csrf_key, "list.html", principal=p, rows=found.items,
                history=history, journey=journey, member=mine is not None)  # fmt: skip


@router.post("/start")
async def start(request: Request, p: Reader, desk: AssessmentDesk) -> Response:
    form = await _form(request, desk)
    p = _respondent(p)
    framework = "gm-journey" if p.acting_as == Role.member else "un-msi-questions"
    body = _valid(r.StartBody, {"framework": framework, "title": _field(form, "title")})
    written = await h.start(desk, p, body)
    return _back(written.assessment_id, written)


# -- one assessment ---------------------------------------------------------------------------


@router.get("/{assessment_id}")
async def assessment(request: Request, assessment_id: Id, p: Reader, desk: AssessmentDesk
                     ) -> Response:  # fmt: skip
    version = request.query_params.get("v", "")
    if version.isdigit():
        h.started_of(p, await h.events_of(desk, assessment_id))  # 404 before any waiting
        await wait_for_version(desk.pool, VIEWS, assessment_id, int(version), timeout=5)
    async with desk.pool.acquire() as conn:
        found = await q.assessment(conn, p.tenant, assessment_id)
        if found is None or (h.scope(p) is not None and found["org"] != h.scope(p)):
            raise Problem(404, "not-found", h.NOT_FOUND)
        framework = framework_of(found, desk.frameworks)
        facts = None
        if framework.audience == "member":
            as_of = found["submitted_at"]
            moment = datetime.fromisoformat(as_of) if as_of else datetime.now(UTC)
            facts = await evidence.facts(conn, p.tenant, found["org"], moment)
        one = scored(found, desk.frameworks, facts)
        own = found["org"] == h.INITIATIVE
        if own:
            one["evidence"] = await evidence.initiative(conn, p.tenant, framework)
        one["previous"] = compared(one, await q.previous(conn, found))
        actions = await q.actions(conn, assessment_id) if found["status"] == "final" else []
    answering = (p.acting_as == Role.member) or (own and allowed(p.roles, Action.assessment_self))
    reviewing = not own and allowed(p.roles, Action.assessment_review) and h.scope(p) is None
    flagged = {f["criterion"]: f for f in (one["evidence"] or {}).get("contradicted", [])}
    thread: dict[str, list[dict[str, Any]]] = {}
    for said in one["thread"]:
        if said["criterion"] and said["comment"]:
            thread.setdefault(said["criterion"], []).append(said)
    to_plan: list[str] = []
    if found["status"] == "final" and answering:
        state = aggregate(desk.frameworks).fold(
            assessment_id, await h.events_of(desk, assessment_id)
        )
        planned = {a["criterion"] for a in actions}
        to_plan = [c for c in plan.proposal(state) if c not in planned][:10]
    return page(request, desk.csrf_key, "assessment.html", principal=p, a=one, f=framework,
                criteria=framework.criteria(), answering=answering, reviewing=reviewing,
                flagged=flagged, thread=thread, answers=list(AnswerValue), actions=actions,
                to_plan=to_plan)  # fmt: skip


@router.get("/{assessment_id}/export.csv")
async def export_csv(assessment_id: Id, p: Reader, desk: AssessmentDesk) -> Response:
    return await export.as_csv(await found(desk.pool, p, assessment_id), desk)


@router.post("/{assessment_id}/answers/{criterion}")
async def answer(request: Request, assessment_id: Id, criterion: Criterion, p: Reader,
                 desk: AssessmentDesk) -> Response:  # fmt: skip
    form = await _form(request, desk)
    text, url = _field(form, "evidence_text"), _field(form, "evidence_url")
    shown = {k: v for k, v in (("text", text), ("url", url)) if v}
    body = _valid(r.AnswerBody, {"answer": _field(form, "answer"),
                                 "reason": _field(form, "reason"),
                                 "evidence": [shown] if shown else []})  # fmt: skip
    written = await h.answer(desk, _respondent(p), assessment_id, criterion, body)
    return _back(assessment_id, written, f"c-{criterion}")


@router.post("/{assessment_id}/answers/{criterion}/reply")
async def reply(request: Request, assessment_id: Id, criterion: Criterion, p: Reader,
                desk: AssessmentDesk) -> Response:  # fmt: skip
    form = await _form(request, desk)
    data: dict[str, Any] = {"comment": _field(form, "comment")}
    if revised := _field(form, "answer"):
        data |= {"answer": revised, "reason": _field(form, "reason")}
    written = await h.reply(desk, _respondent(p), assessment_id, criterion,
                            _valid(r.ReplyBody, data))  # fmt: skip
    return _back(assessment_id, written, f"c-{criterion}")


@router.post("/{assessment_id}/answers/{criterion}/review")
async def review(request: Request, assessment_id: Id, criterion: Criterion, p: Reader,
                 desk: AssessmentDesk) -> Response:  # fmt: skip
    form = await _form(request, desk)
    officer = authorise(p, Action.assessment_review)
    comment = _field(form, "comment")
    if _field(form, "verdict") == "challenge":
        body = _valid(r.CommentBody, {"comment": comment})
        written = await h.challenge(desk, officer, assessment_id, criterion, body)
    else:
        written = await h.verify(desk, officer, assessment_id, criterion,
                                 _valid(r.VerifyBody, {"comment": comment}))  # fmt: skip
    return _back(assessment_id, written, f"c-{criterion}")


@router.post("/{assessment_id}/actions/{criterion}")
async def plan_action(request: Request, assessment_id: Id, criterion: Criterion, p: Reader,
                      desk: AssessmentDesk) -> Response:  # fmt: skip
    form = await _form(request, desk)
    body = _valid(r.ActionBody, {"owner": _field(form, "owner"), "due_on": _field(form, "due_on"),
                                 "description": _field(form, "description")})  # fmt: skip
    written = await h.plan_action(desk, _respondent(p), assessment_id, criterion, body)
    return _back(assessment_id, written, "plan")


@router.post("/{assessment_id}/actions/{criterion}/progress")
async def progress(request: Request, assessment_id: Id, criterion: Criterion, p: Reader,
                   desk: AssessmentDesk) -> Response:  # fmt: skip
    form = await _form(request, desk)
    body = _valid(r.ProgressBody, {"note": _field(form, "note"),
                                   "done": _field(form, "done") == "yes"})  # fmt: skip
    written = await h.report_progress(desk, _respondent(p), assessment_id, criterion, body)
    return _back(assessment_id, written, "plan")


@router.post("/{assessment_id}/submit")
async def submit(request: Request, assessment_id: Id, p: Reader, desk: AssessmentDesk
                 ) -> Response:  # fmt: skip
    await _form(request, desk)
    return _back(assessment_id, await h.submit(desk, _respondent(p), assessment_id))


@router.post("/{assessment_id}/rating")
async def rating(request: Request, assessment_id: Id, p: Reader, desk: AssessmentDesk
                 ) -> Response:  # fmt: skip
    form = await _form(request, desk)
    match _field(form, "step"):
        case "propose":
            officer = authorise(p, Action.assessment_review)
            body = _valid(r.ProposeBody, {"comment": _field(form, "comment")})
            written = await h.propose(desk, officer, assessment_id, body)
        case "agree":
            written = await h.agree(desk, _respondent(p), assessment_id)
        case _:
            body = _valid(r.CommentBody, {"comment": _field(form, "comment")})
            written = await h.dispute(desk, _respondent(p), assessment_id, body)
    return _back(assessment_id, written, "rating")
