"""The admin's JSON API of figures: disclosure settings, and publishing a closed period.

Publishing is a job (ADR 45, `redress.metrics.publishing`): it computes the period's figures
from the metrics projections, hands them to disclosure control (`publication.to_release`,
`suppression.protect`) and records the signed release (`releases.handlers.publish`), while
the admin follows its progress. Both writes take an Idempotency-Key: a retried publication
gives the same job again, never a second release.
"""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from redress.events.application import Recorded
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.deps import Pool, Store, metadata_for, permitted
from redress.kit.errors import Problem
from redress.kit.idempotency import Once, Replay, Retryable
from redress.kit.openapi import answers
from redress.metrics import figures, ledger, privacy, publications, publishing
from redress.metrics.publication import to_release
from redress.metrics.releases import handlers
from redress.metrics.releases.domain import SetDisclosure, closed_period
from redress.metrics.tables import period_of

router = APIRouter(prefix="/v1/figures", tags=["figures"])
Admin = Annotated[Principal, Depends(permitted(Action.figures_publish))]
SCHEMA = "metrics"
EPOCH = date(2011, 6, 16)  # the UN Guiding Principles' endorsement: any day has the tables
# The catalogue's period, from year 1: there is no year 0 to publish.
PERIOD = r"^[1-9]\d{3}(-Q[1-4]|-(0[1-9]|1[0-2]))?$"
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class DisclosureBody(BaseModel):
    """The noise of releases; the minimum count k is the tenant's setting
    (`PUT /v1/tenant/minimum-count`, ADR 23), shared with assessment."""

    model_config = ConfigDict(extra="forbid")
    epsilon: float | None = Field(None, ge=0.001, le=100, description="noise per release")
    yearly_budget: float | None = Field(None, gt=0, le=1000, description="epsilon per year")


class Disclosure(BaseModel):
    epsilon: float | None
    yearly_budget: float | None
    version: int
    noise_scale: float | None = Field(
        None,
        description="the noise every count of a release gets under this epsilon: a count is "
        "off by this much on average, up or down (the release's tables over epsilon)",
    )


class PublishBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # The pattern is published, not enforced here: a period it does not match is refused by
    # the domain as `bad-period`, saying what a period is, as the docs promise.
    period: str = Field(max_length=20, json_schema_extra={"pattern": PERIOD},
                        description="2025, 2025-Q1 or 2025-03; closed")  # fmt: skip
    corrects: str | None = Field(None, pattern=UUID, description="the release it corrects")


class Refusal(BaseModel):
    """Why the publication ended without a release, as problem+json says it."""

    type: str
    title: str
    status: int
    detail: str


class PublicationJob(BaseModel):
    """A publication asked for, and how it stands."""

    id: str
    period: str
    corrects: str | None
    state: Literal["queued", "working", "published", "refused", "failed"]
    step: Literal[
        "queued", "reading", "computing", "protecting", "checking-again", "recording",
        "published", "refused", "failed",
    ] = Field(description="reading the ledger, computing the figures, protecting them "
              "(disclosure control; checking again when another release of the initiative "
              "was recorded meanwhile), recording the signed release")  # fmt: skip
    audited: int = Field(description="withheld figures disclosure control has checked")
    to_audit: int = Field(
        description="of how many so far (each round of complements adds those it withholds)"
    )
    requested: datetime
    finished: datetime | None
    release_id: str | None = Field(description="the release, once published")
    number: int | None
    release: str | None = Field(description="the release's public page, once published")
    problem: Refusal | None = Field(description="why it was refused or failed")


def job_view(job: publications.Job) -> PublicationJob:
    published = job.state == "published"
    return PublicationJob(
        id=str(job.id), period=job.period, corrects=job.corrects, state=job.state,
        step=job.step, audited=job.audited, to_audit=job.to_audit,
        requested=job.requested_at, finished=job.finished_at,
        release_id=job.release_id if published else None, number=job.number,
        release=f"/t/{job.tenant}/figures/releases/{job.release_id}" if published else None,
        problem=None if job.problem is None else Refusal.model_validate(job.problem),
    )  # fmt: skip


@functools.cache
def release_sensitivity() -> int:
    """How far one case moves a release's counts: one per table, and a release has the same
    tables whatever its period holds (`publication.domains`), so it is known before any."""
    empty = ledger.Ledger(tenant="", time_zone="UTC", grievances=(), facts=())
    return privacy.sensitivity(to_release(figures.compute(empty, period_of("year", EPOCH))))


@router.post("/disclosure", response_model=Disclosure, responses=answers(409))
async def set_disclosure(
    body: DisclosureBody, p: Admin, store: Store, retry: Retryable = None
) -> Disclosure:
    """Set the noise of the tenant's releases: an epsilon per release and a yearly budget,
    both or neither (none: no noise). The minimum count k is a tenant setting."""

    def answer(done: Recorded) -> Disclosure:
        scale = None if body.epsilon is None else privacy.scale(release_sensitivity(), body.epsilon)
        return Disclosure(**body.model_dump(), version=done.version, noise_scale=scale)

    once = Once.of(retry, SCHEMA, p, answer)
    command = SetDisclosure(body.epsilon, body.yearly_budget)
    done = await handlers.configure(store, command, metadata_for(p), once)
    return Disclosure.model_validate(done.earlier) if done.earlier is not None else answer(done)


@router.post(
    "/releases",
    response_model=PublicationJob,
    status_code=202,
    responses={
        202: {"description": "Publishing has begun: follow `Location` to see how it goes",
              "headers": {"Location": {"description": "the publication (the job)",
                                       "schema": {"type": "string"}}}},
        **answers(404, 409),
    },
)  # fmt: skip
async def publish(
    body: PublishBody,
    request: Request,
    response: Response,
    p: Admin,
    pool: Pool,
    retry: Retryable = None,
) -> PublicationJob:
    """Publish the figures of a closed period, protected and signed; a period already
    published takes only a correction naming the release in force. Disclosure control takes
    up to a minute: the answer (202) names the publication, whose state and progress
    `GET /v1/figures/publications/{id}` says, and the release once recorded. What the
    stream decides already is refused at once (409 `already-published`, `period-open`,
    `being-published`, ...); what the work decides, the publication says when it ends."""
    # Open wherever the tenant is (no time zone is a day ahead of UTC's next day): refused
    # before anything is read for it. `publications.ask` decides on the tenant's day.
    closed_period(body.period, datetime.now(UTC).date() + timedelta(days=1))
    async with pool.acquire() as conn, conn.transaction():
        first = None if retry is None else await retry.claim(conn, SCHEMA, p)
        if isinstance(first, Replay):  # the same job, as it stands now
            job = await publications.find(conn, p.tenant, uuid.UUID(first.answer["id"]))
            if job is None:  # kept longer than keys (publications_kept_days): deleted by hand
                raise Problem(410, "publication-gone", "the publication this key asked for "
                              "was deleted; ask again with another Idempotency-Key")  # fmt: skip
        else:
            job = await publications.ask(
                conn, metadata_for(p), body.period, body.corrects, datetime.now(UTC)
            )
            if first is not None:
                await first.remember(conn, job_view(job), 202)
    if job.state == "queued":
        await publishing.start(request.app.state.runtime, job.id)
    response.headers["Location"] = f"{router.prefix}/publications/{job.id}"
    return job_view(job)


@router.get(
    "/publications/{publication_id}",
    response_model=PublicationJob,
    responses={200: {"description": "How the publication stands now"}, **answers(404)},
)
async def publication(
    publication_id: Annotated[str, Path(pattern=UUID)], request: Request, p: Admin, pool: Pool
) -> PublicationJob:
    """How a publication stands: queued, working (the step, and how many withheld figures
    disclosure control has checked, of how many so far), published (the release), refused
    or failed (the problem, as the synchronous refusals say it)."""
    async with pool.acquire() as conn:
        job = await publications.find(conn, p.tenant, uuid.UUID(publication_id))
    if job is None:
        kept = request.app.state.runtime.settings.publications_kept_days
        raise Problem(404, "unknown-publication", publications.unknown(kept))
    return job_view(job)
