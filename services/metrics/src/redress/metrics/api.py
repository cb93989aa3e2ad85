"""The admin's JSON API of figures: disclosure settings, and publishing a closed period.

Publishing computes the period's figures from the metrics projections, hands them to
disclosure control (`publication.to_release`, `suppression.protect`) and records the signed
release (`releases.handlers.publish`). Both writes take an Idempotency-Key: a retried
publication gives the first answer again, never a second release.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from redress.events.application import Recorded
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.deps import Pool, Store, metadata_for, permitted
from redress.kit.idempotency import Once, Retryable
from redress.kit.keyset import root_secret
from redress.kit.openapi import answers
from redress.metrics import figures, ledger, privacy
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
    period: str = Field(pattern=PERIOD, description="2025, 2025-Q1 or 2025-03; closed")
    corrects: str | None = Field(None, pattern=UUID, description="the release it corrects")


class Publication(BaseModel):
    release_id: str
    number: int
    period: str
    version: int


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


@router.post("/releases", response_model=Publication, status_code=201, responses=answers(404, 409))
async def publish(
    body: PublishBody,
    request: Request,
    p: Admin,
    store: Store,
    pool: Pool,
    retry: Retryable = None,
) -> Publication:
    """Publish the figures of a closed period, protected and signed; a period already
    published takes only a correction naming the release in force."""
    # Open wherever the tenant is (no time zone is a day ahead of UTC's next day): refused
    # before the whole ledger is read for it. The domain decides again on the tenant's day.
    label = closed_period(body.period, datetime.now(UTC).date() + timedelta(days=1))
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        rows = await ledger.read(conn, p.tenant)
    computed = figures.compute(rows, period_of(label.kind, label.start))

    def answer(done: Recorded) -> Publication:
        event = handlers.published(done)
        return Publication(release_id=event.release_id, number=event.number,
                           period=event.period, version=done.version)  # fmt: skip

    once = Once.of(retry, SCHEMA, p, answer)
    root = root_secret(request.app.state.runtime.settings)
    publishing = handlers.Publishing(root, datetime.now(UTC))
    done = await handlers.publish(
        store, metadata_for(p), label.label, to_release(computed), publishing,
        corrects=body.corrects, transaction=once,
    )  # fmt: skip
    if done.earlier is not None:
        return Publication.model_validate(done.earlier)
    return answer(done)
