"""Server-rendered pages over the same handlers and reads as the API: members answer and
agree, officers review, without JavaScript and by keyboard.

A console of the kit's (`redress.kit.console`): people log in by pasting a bearer token,
kept in an HttpOnly, SameSite=Strict cookie scoped to /assessments; every form carries a
CSRF token; refusals are pages. Each form runs the API's handler for its command, then
redirects to the assessment's page, which waits for the views to show the write. A draft's
answers are one form (`draft_answers`); the forms on a criterion under review and on the
plan are in `answer_pages`: refused, they show this page again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path as PlainPath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from redress.assessment import benchmark, erasure, evidence, export, pdf, plan
from redress.assessment import handlers as h
from redress.assessment import queries as q
from redress.assessment import requests as r
from redress.assessment.api import VIEWS, found
from redress.assessment.context import AssessmentDesk
from redress.assessment.domain import aggregate
from redress.assessment.reading import compared, framework_of, rating_said, scored
from redress.events.application import Refused
from redress.events.catalogue.assessment import AnswerValue
from redress.events.projection import wait_for_version
from redress.kit import console
from redress.kit.auth import Principal
from redress.kit.authz import Action, Role, allowed, authorising_role
from redress.kit.console.refusals import NO_FAILURE, Failure
from redress.kit.deps import authorise
from redress.kit.errors import Problem

PATH = "/assessments"
Id = Annotated[str, Path(max_length=100)]
Criterion = Annotated[str, Path(pattern=r.ID, max_length=40)]


def evidence_digest(item: dict[str, Any]) -> str:
    """An item of evidence's name in the form: what it says, not where it stands."""
    said = json.dumps([item.get("text"), item.get("url")], ensure_ascii=False)
    return hashlib.sha256(said.encode()).hexdigest()[:16]


def answer_digest(answer: str | None, reason: str, evidence: list[str]) -> str:
    """An answer's name on the draft's form: its value, reason and evidence (each item by its
    `evidence_digest`, in order)."""
    said = json.dumps([answer, reason.replace("\r\n", "\n"), evidence], ensure_ascii=False)
    return hashlib.sha256(said.encode()).hexdigest()[:16]


def shown_answer(answered: dict[str, Any] | None) -> str:
    """The name of the answer a draft's page shows for a criterion (none: unanswered), that
    the form sends back, so that saving tells what the user changed from what someone else
    saved since (`draft_answers`)."""
    a = answered or {}
    items = [evidence_digest(e) for e in a.get("evidence") or []]
    return answer_digest(a.get("answer"), a.get("reason") or "", items)


def given(item: dict[str, Any]) -> dict[str, str]:
    """An item of evidence as it is given: its text and link, the empty ones left out."""
    return {k: v for k, v in item.items() if k in ("text", "url") and v}


def carried_item(item: dict[str, Any]) -> str:
    """An item of evidence as a form carries it back beside its box (`item`): an item the
    user ticked is kept even when the answer stored has it no more (someone else saved
    theirs since the page was shown: `listed`)."""
    return json.dumps(given(item), ensure_ascii=False, sort_keys=True)


def carried(form: FormData, name: str) -> list[dict[str, str]]:
    """The items of evidence a form carries back under `name` (`carried_item`), at most as
    many as an answer takes; anything else sent there is no item, and left out."""
    items = []
    for value in form.getlist(name)[:20]:
        try:
            item = json.loads(value) if isinstance(value, str) else None
        except ValueError:
            continue
        if (
            isinstance(item, dict)
            and item
            and all(k in ("text", "url") and isinstance(v, str) for k, v in item.items())
        ):
            items.append(item)
    return items


def listed(items: list[dict[str, Any]] | None, answered: dict[str, Any] | None
           ) -> list[dict[str, Any]]:  # fmt: skip
    """The evidence a form offers to keep: the answer's; after a refusal, the items the form
    carried back (`items`, its page's), then those of the answer stored now it had not."""
    stored = list((answered or {}).get("evidence") or [])
    if items is None:
        return stored
    known = {evidence_digest(e) for e in items}
    return [*items, *(e for e in stored if evidence_digest(e) not in known)]


CONSOLE = console.Console(
    path=PATH,
    title="grievance mechanism assessments",
    nav=[(PATH, "Assessments"), (f"{PATH}/benchmark", "Benchmark")],
    back="Back to the assessments",
    admits=lambda p: allowed(p.roles, Action.assessment_read),
    refused="That token may not use these pages: they are for member companies and the "
    "initiative's officers and supervisors.",
    forbidden="these pages are for member companies and the initiative's officers",
    csrf_key=console.csrf_key_in("assessment.csrf"),
    templates=PlainPath(__file__).parent / "templates",
    filters={
        "digest": evidence_digest,
        "shown": shown_answer,
        "item": carried_item,
        "listed": listed,
    },
)
router = CONSOLE.router()  # with the console's login and logout
entry = APIRouter(include_in_schema=False)


@entry.get("/console")
@entry.get("/console/")
async def console_entry() -> Response:
    """`/console`, where the other services keep their pages, leads to these."""
    return RedirectResponse(PATH, status_code=307)


Reader = Annotated[Principal, Depends(CONSOLE.signed_in(Action.assessment_read))]


def field(form: FormData, name: str) -> str:
    return console.field(form, name) or ""


def respondent(p: Principal) -> Principal:
    role = authorising_role(p.roles, Action.assessment_answer)
    return authorise(p, Action.assessment_answer if role else Action.assessment_self)


def _valid(model: type[Any], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Problem(422, "validation", console.describe(exc)) from None


async def done(write: Awaitable[r.Written]) -> r.Written:
    """A handler's write; a domain refusal becomes a page of the console."""
    try:
        return await write
    except Refused as exc:
        raise Problem(exc.status, exc.kind, exc.detail) from None


def back(assessment_id: str, written: r.Written, anchor: str = "") -> Response:
    where = f"{PATH}/{assessment_id}?v={written.version}{'#' + anchor if anchor else ''}"
    return RedirectResponse(where, status_code=303)


# -- the list, the history, starting ----------------------------------------------------------


@router.get("")
async def listing(request: Request, p: Reader, desk: AssessmentDesk) -> Response:
    mine = h.scope(p)
    async with desk.pool.acquire() as conn:
        found = await q.listing(conn, p.tenant, q.Filter(org=mine), None, 200)
        history = await q.history(conn, p.tenant, mine) if mine else []
    journey = desk.frameworks.latest("gm-journey")
    assert journey is not None
    return CONSOLE.page(request, "list.html", principal=p, rows=found.items,
                history=history, journey=journey, member=mine is not None)  # fmt: skip


@router.post("/start")
async def start(request: Request, p: Reader, desk: AssessmentDesk) -> Response:
    form = await CONSOLE.form(request)
    p = respondent(p)
    framework = "gm-journey" if p.acting_as == Role.member else "un-msi-questions"
    body = _valid(r.StartBody, {"framework": framework, "title": field(form, "title")})
    written = await done(h.start(desk, p, body))
    return back(written.assessment_id, written)


@router.get("/benchmark")
async def benchmark_page(request: Request, p: Reader, desk: AssessmentDesk) -> Response:
    shown = await benchmark.benchmark(p, desk.pool, desk, "gm-journey", None)
    journey = desk.frameworks.latest("gm-journey")
    assert journey is not None
    return CONSOLE.page(request, "benchmark.html", principal=p, b=shown, journey=journey,
                        cells=[benchmark.NONE, *journey.levels])  # fmt: skip


# -- one assessment ---------------------------------------------------------------------------


@router.get("/{assessment_id}")
async def assessment(request: Request, assessment_id: Id, p: Reader, desk: AssessmentDesk
                     ) -> Response:  # fmt: skip
    return await assessment_page(request, assessment_id, p, desk)


async def assessment_page(request: Request, assessment_id: str, p: Principal, desk: Any,
                          refused: Failure | None = None) -> Response:  # fmt: skip
    """The assessment's page; after a refused form, with the reason, its wrong fields marked
    and what was typed in it, answered with the status the API would have given."""
    version = request.query_params.get("v", "")
    if version.isdigit():
        h.started_of(p, await h.events_of(desk, assessment_id))  # 404 before any waiting
        await wait_for_version(desk.pool, VIEWS, assessment_id, int(version), timeout=5)
    async with desk.pool.acquire() as conn:
        found = await q.assessment(conn, p.tenant, assessment_id, desk.keyring)
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
    shown = {"carried": {}} | (refused.context() if refused else NO_FAILURE)
    return CONSOLE.page(request, "assessment.html", refused.status if refused else 200,
                principal=p, a=one, f=framework,
                criteria=framework.criteria(), answering=answering, reviewing=reviewing,
                flagged=flagged, thread=thread, rating_said=rating_said(one["thread"]),
                answers=list(AnswerValue), actions=actions,
                to_plan=to_plan, metrics_url=console.peer_url(request, "metrics") if own else None,
                **shown)  # fmt: skip


@router.get("/{assessment_id}/export.csv")
async def export_csv(assessment_id: Id, p: Reader, desk: AssessmentDesk) -> Response:
    return await export.as_csv(await found(desk.pool, p, assessment_id, desk.keyring), desk)


@router.get("/{assessment_id}/export.pdf")
async def export_pdf(assessment_id: Id, p: Reader, desk: AssessmentDesk) -> Response:
    return await pdf.as_pdf(await found(desk.pool, p, assessment_id, desk.keyring), desk)


@router.post("/{assessment_id}/evidence/erase")
async def erase_evidence(request: Request, assessment_id: Id, p: Reader, desk: AssessmentDesk
                         ) -> Response:  # fmt: skip
    form = await CONSOLE.form(request)
    if field(form, "confirm") != "yes":
        raise Problem(422, "validation", "tick the box to confirm that nothing can be recovered")
    return back(assessment_id, await done(erasure.erase(desk, respondent(p), assessment_id)))
