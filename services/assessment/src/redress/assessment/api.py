"""The JSON API of assessments: members answer and submit, officers review, both rate."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from redress.assessment import evidence, read_assessment
from redress.assessment import handlers as h
from redress.assessment import queries as q
from redress.assessment import read_answers as a
from redress.assessment import requests as r
from redress.assessment.context import AssessmentDesk, Desk
from redress.assessment.projections import AssessmentViews
from redress.assessment.reading import compared, framework_of, scored
from redress.assessment.state import Status
from redress.events.projection import wait_for_version
from redress.kit import cursor as kit_cursor
from redress.kit.auth import Principal
from redress.kit.authz import Action, authorising_role
from redress.kit.crypto import Keyring
from redress.kit.deps import CurrentPrincipal, Pool, authorise, permitted
from redress.kit.errors import Problem
from redress.kit.idempotency import Retryable
from redress.kit.openapi import MinVersion, documented, not_yet_readable

router = APIRouter(prefix="/v1/assessments", tags=["assessments"])
Reader = Annotated[Principal, Depends(permitted(Action.assessment_read))]


def respondent(principal: CurrentPrincipal) -> Principal:
    """A member answering for its organisation, or staff answering for the initiative."""
    if authorising_role(principal.roles, Action.assessment_answer):
        return authorise(principal, Action.assessment_answer)
    return authorise(principal, Action.assessment_self)


async def _respondent(principal: CurrentPrincipal) -> Principal:
    return respondent(principal)  # async: FastAPI runs a plain function in its thread pool


Member = Annotated[Principal, Depends(_respondent)]
Officer = Annotated[Principal, Depends(permitted(Action.assessment_review))]
AssessmentId = Annotated[str, Path(max_length=100)]
CriterionId = Annotated[str, Path(pattern=r.ID, max_length=40)]
Org = Annotated[str | None, Query(max_length=200, pattern=r"^\S+$")]
VIEWS = AssessmentViews()
STARTS: dict[int | str, dict[str, Any]] = {
    403: {"description": "the token's roles do not allow this; or "
          "`urn:redress:problem:not-a-member`: the initiative has not admitted the token's "
          "organisation (nothing is started)"},
    404: {"description": "`urn:redress:problem:unknown-tenant`: there is no initiative of the "
          "token's tenant (nothing is started)"},
    409: {"description": "`urn:redress:problem:tenant-offboarded`: the initiative has left the "
          "platform (nothing is started)"},
}  # fmt: skip
"""The refusals of a start beyond the token's: the initiative's, as intake's of a filing."""


@router.get("", responses=documented(a.Assessments, "A page of the assessments, oldest first"))
async def listing(
    p: Reader,
    pool: Pool,
    org: Org = None,
    status: Status | None = None,
    framework: Annotated[str | None, Query(pattern=r.ID, max_length=40)] = None,
    cursor: Annotated[str | None, kit_cursor.query(q.POSITION)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Assessments, oldest first: a member's own organisation's; an officer's, the tenant's
    (filter by `org`). `next` pages on."""
    mine = h.scope(p)
    if mine is not None and org not in (None, mine):
        return {"items": [], "next": None}
    f = q.Filter(mine or org, status.value if status else None, framework)
    async with pool.acquire() as conn:
        page = await q.listing(conn, p.tenant, f, cursor, limit)
    return {"items": page.items, "next": page.next}


@router.post("", response_model=r.Written, status_code=201, responses=STARTS)
async def start(body: r.StartBody, p: Member, desk: AssessmentDesk, retry: Retryable = None
                ) -> r.Written:  # fmt: skip
    """Start an assessment of your organisation's grievance mechanism against a framework
    (by default the latest version of the grievance mechanism journey); officers start the
    initiative's own, on the UN guidance's questions (`un-msi-questions`). Only in an
    initiative that exists, by a member organisation it has admitted."""
    return await h.start(desk, p, body, retry)


async def behind(
    pool: Pool, desk: Desk, p: Principal, assessment_id: str, min_version: int | None
) -> bool:
    """Whether the views still lack `min_version` of the assessment after a bounded wait: a
    caller reads (or exports) what its own write made; 404 before any waiting."""
    if not min_version:
        return False
    h.started_of(p, await h.events_of(desk, assessment_id))
    return not await wait_for_version(pool, VIEWS, assessment_id, min_version, timeout=2)


@router.get(
    "/{assessment_id}",
    responses=documented(
        read_assessment.AssessmentDetail, "The assessment, scored, with its evidence"
    ),
)
async def detail(
    assessment_id: AssessmentId,
    p: Reader,
    pool: Pool,
    desk: AssessmentDesk,
    min_version: MinVersion = None,
) -> Any:
    """An assessment: its answers with their evidence and review, what was said, the level
    each step reaches on the answers as they stand (with what stands between it and the next
    level), UNGP coverage, and the rating proposed or agreed."""
    if await behind(pool, desk, p, assessment_id, min_version):
        return not_yet_readable()
    one = await found(pool, p, assessment_id, desk.keyring)
    facts = None
    if framework_of(one, desk.frameworks).audience == "member":
        # A draft is seen against the last 12 months; a submitted one, against the 12 months
        # before its submission, so that what the reviewer saw stays what it was.
        as_of = datetime.fromisoformat(one["submitted_at"]) if one["submitted_at"] else None
        async with pool.acquire() as conn:
            facts = await evidence.facts(conn, p.tenant, one["org"], as_of or datetime.now(UTC))
    done = scored(one, desk.frameworks, facts)
    async with pool.acquire() as conn:
        done["previous"] = compared(done, await q.previous(conn, one))
    if one["org"] == h.INITIATIVE:
        framework = framework_of(one, desk.frameworks)
        async with pool.acquire() as conn:
            done["evidence"] = await evidence.initiative(conn, p.tenant, framework)
    return done


async def found(pool: Pool, p: Principal, assessment_id: str, keyring: Keyring | None = None
                ) -> dict[str, Any]:  # fmt: skip
    """The assessment as the views have it (its evidence opened with `keyring`); 404 outside
    the principal's reach."""
    async with pool.acquire() as conn:
        one = await q.assessment(conn, p.tenant, assessment_id, keyring)
    mine = h.scope(p)
    if one is None or (mine is not None and one["org"] != mine):
        raise Problem(404, "not-found", h.NOT_FOUND)
    return one


@router.put("/{assessment_id}/answers/{criterion}", response_model=r.Written)
async def answer(
    assessment_id: AssessmentId,
    criterion: CriterionId,
    body: r.AnswerBody,
    p: Member,
    desk: AssessmentDesk,
    retry: Retryable = None,
) -> r.Written:
    """Answer a criterion with evidence (a draft until submitted; saved again, it replaces
    the answer before)."""
    return await h.answer(desk, p, assessment_id, criterion, body, retry)


@router.post("/{assessment_id}/submit", response_model=r.Written)
async def submit(assessment_id: AssessmentId, p: Member, desk: AssessmentDesk,
                 retry: Retryable = None) -> r.Written:  # fmt: skip
    """Submit the answers for review (unanswered criteria count as not met)."""
    return await h.submit(desk, p, assessment_id, retry)


@router.post("/{assessment_id}/answers/{criterion}/reply", response_model=r.Written)
async def reply(
    assessment_id: AssessmentId,
    criterion: CriterionId,
    body: r.ReplyBody,
    p: Member,
    desk: AssessmentDesk,
    retry: Retryable = None,
) -> r.Written:
    """Reply to a challenge, revising the answer (give `answer`) or standing by it."""
    return await h.reply(desk, p, assessment_id, criterion, body, retry)


@router.post("/{assessment_id}/answers/{criterion}/verify", response_model=r.Written)
async def verify(
    assessment_id: AssessmentId,
    criterion: CriterionId,
    body: r.VerifyBody,
    p: Officer,
    desk: AssessmentDesk,
    retry: Retryable = None,
) -> r.Written:
    """Verify an answer against its evidence."""
    return await h.verify(desk, p, assessment_id, criterion, body, retry)


@router.post("/{assessment_id}/answers/{criterion}/challenge", response_model=r.Written)
async def challenge(
    assessment_id: AssessmentId,
    criterion: CriterionId,
    body: r.CommentBody,
    p: Officer,
    desk: AssessmentDesk,
    retry: Retryable = None,
) -> r.Written:
    """Challenge an answer, saying why: the member replies."""
    return await h.challenge(desk, p, assessment_id, criterion, body, retry)


@router.post("/{assessment_id}/rating", response_model=r.Written)
async def propose(assessment_id: AssessmentId, body: r.ProposeBody, p: Officer,
                  desk: AssessmentDesk, retry: Retryable = None) -> r.Written:  # fmt: skip
    """Propose the rating the answers reach, once no challenge is open."""
    return await h.propose(desk, p, assessment_id, body, retry)


@router.post("/{assessment_id}/rating/agree", response_model=r.Written)
async def agree(assessment_id: AssessmentId, p: Member, desk: AssessmentDesk,
                retry: Retryable = None) -> r.Written:  # fmt: skip
    """Agree to the rating proposed: it becomes the final rating."""
    return await h.agree(desk, p, assessment_id, retry)


@router.post("/{assessment_id}/rating/dispute", response_model=r.Written)
async def dispute(assessment_id: AssessmentId, body: r.CommentBody, p: Member,
                  desk: AssessmentDesk, retry: Retryable = None) -> r.Written:  # fmt: skip
    """Dispute the rating proposed, saying why: the review goes on."""
    return await h.dispute(desk, p, assessment_id, body, retry)
