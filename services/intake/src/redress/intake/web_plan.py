"""The worker's say on their case's plan, on the status page (IOM steps 3 to 5).

The worker agrees to the plan, objects with a comment, or asks for a call (`PlanAnswered`,
an objection's comment following as their message, sealed); and says for each action the
case marked done whether it reached them (`RemedyConfirmed`). Cases records both on the
case's timeline. Only what the page offers is accepted: an answer once there is a plan and
before one was given; a confirmation of an action of this grievance that is done.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from redress.events.application import Within
from redress.events.catalogue.grievance_answers import PlanAnswer
from redress.events.envelope import Event, EventData
from redress.intake import reply_drafts
from redress.intake.context import IntakeContext
from redress.intake.domain import GRIEVANCE, AnswerPlan, ConfirmRemedy
from redress.intake.domain import decide as decide_grievance
from redress.intake.filing import grievance_stream, masthead
from redress.intake.texts import NOT_NOW, OBJECTION_NEEDS_COMMENT, PLAN_ANSWERED
from redress.intake.web_common import (
    TICKED_LIMIT,
    TYPED_PARSED,
    Said,
    Unsent,
    WorkerRoute,
    csrf_valid,
    for_another,
    language,
    named,
    record_worker_action,
    session,
    typed,
    worker_session,
)
from redress.intake.web_opening import expired
from redress.intake.web_status import PROJECTION, status
from redress.kit.deps import Pool, Store
from redress.kit.errors import Problem

router = APIRouter(include_in_schema=False, route_class=WorkerRoute)


@router.post("/t/{tenant}/status/plan")
async def answer_plan(
    request: Request,
    tenant: str,
    intake: IntakeContext,
    pool: Pool,
    store: Store,
    answer: str | None = Form(None, pattern="^(agree|object|call)$"),
    comment: str | None = Form(None, max_length=TYPED_PARSED),  # checked below, on the page
    action: str | None = Form(None, max_length=100),
    action_named: str | None = Query(None, alias="action", max_length=100),  # see `named`
    delivered: str | None = Form(None, pattern="^(yes|no)$"),
    csrf_token: str = Form(alias="csrf", max_length=100),
    origin: str | None = Form(None, max_length=1000),  # the grievance it was written for
    # The reply being written beside it (the plan's buttons belong to the reply's form): kept
    # on the page when the answer is refused, never sent from here.
    message: str | None = Form(None, max_length=TYPED_PARSED),
    retaliation: str | None = Form(None, pattern="^yes$"),
    # A referral's boxes, which belong to the reply's form too: ticked again afterwards.
    field: Annotated[list[str] | None, Form(max_length=TICKED_LIMIT)] = None,
    lang: str | None = None,
) -> Response:
    action = named(action, action_named, "action")
    # A comment being written while an action is confirmed waits in its box afterwards.
    beside = typed(comment)[0] if answer is None else None
    # Only an objection sends its comment: one sent with any other answer is not read.
    comment, refused = typed(comment) if answer == "object" else (None, None)
    # An objection's comment outlives an expired page or an ended session, as a reply does.
    unsent = Unsent.kept(typed(message)[0], bool(retaliation), comment or beside, origin,
                         field or ())  # fmt: skip
    gid = session(request, intake, tenant)
    if unsent.plan and (not csrf_valid(request, intake, csrf_token)
                        or (gid is not None and for_another(intake, origin, gid))):  # fmt: skip
        return await expired(request, intake, pool, tenant, lang, gid, unsent)
    grievance_id = await worker_session(request, intake, pool, tenant, lang, csrf_token, unsent)
    if (answer is None) == (delivered is None) or (delivered is not None and not action):
        raise Problem(422, "validation", "answer the plan, or say whether an action reached you")
    async with pool.acquire() as conn:
        g = await conn.fetchrow(
            "SELECT status, plan_answer FROM intake.grievances "
            "WHERE grievance_id = $1 AND tenant = $2",
            grievance_id, tenant,
        )  # fmt: skip
        actions = {r["action_id"]: r for r in await conn.fetch(
            "SELECT action_id, done, delivered FROM intake.plan_actions WHERE grievance_id = $1",
            grievance_id)}  # fmt: skip
        error, code = (refused, 422) if refused else _refusal(g, actions, answer, comment,
                                                              action, delivered)  # fmt: skip
        if error:
            name = await masthead(conn, tenant)
            return await status(request, intake, conn, tenant, name, grievance_id, lang,
                                error=error, status_code=code, unsent=unsent)  # fmt: skip
    stream = grievance_stream(grievance_id)
    within = Within()

    async def decide(history: list[Event]) -> list[EventData]:
        state, conn = GRIEVANCE.fold(stream, history), within.conn
        assert conn is not None  # lent by `execute`, in the write's transaction
        if answer is None:
            return decide_grievance(
                ConfirmRemedy(grievance_id, action or "", delivered == "yes"), state
            )
        sealed = None
        if answer == "object":
            key = await intake.keyring.get(conn, state.key_id or "")
            sealed = key.seal((comment or "").encode())
        return decide_grievance(AnswerPlan(grievance_id, PlanAnswer(answer), sealed), state)

    # Said once, where the plan says it: its answer, or what reached the worker.
    done = await record_worker_action(
        store, pool, PROJECTION, tenant, grievance_id, decide, notice=None,
        lang=language(request, lang), transaction=within,
        place="plan-answer" if answer else f"action-{action}",
    )  # fmt: skip
    reply = Unsent.kept(unsent.reply, unsent.retaliation, beside, origin, unsent.ticked)
    return await reply_drafts.carry_rest(pool, intake, request, done, tenant, grievance_id, reply)


def _refusal(
    g: Any, actions: dict[str, Any], answer: str | None, comment: str | None,
    action: str | None, delivered: str | None,
) -> tuple[Said | str | None, int]:  # fmt: skip
    """Why the page does not take this (a message in the worker's words, and the status)."""
    if answer == "object" and not (comment and comment.strip()):
        return OBJECTION_NEEDS_COMMENT, 422
    if g is None or g["status"] != "open" or not actions:
        return NOT_NOW, 409  # no plan (yet), or a report withdrawn or erased
    if answer is not None:
        return (PLAN_ANSWERED, 409) if g["plan_answer"] is not None else (None, 200)
    row = actions.get(action or "")
    if row is None or not row["done"] or row["delivered"] is not None:
        return NOT_NOW, 409
    return None, 200
