"""The admins' releases page in the dashboards' console: the initiative's releases, a form
to publish a closed period or a correction of a release in force, and a page per
publication that follows its progress (ADR 45).

The console is the dashboards' (`redress.metrics.dashboards.CONSOLE`), signed in the same
way; its pages are the admins' (action `figures.publish`), in English. The publication's
page refreshes itself every two seconds while the work goes on (no script), and ends with
a link to the release or the refusal in plain words.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from redress.events.application import Refused
from redress.kit import console
from redress.kit.authz import Action
from redress.kit.deps import authorise, metadata_for
from redress.kit.errors import Problem
from redress.metrics import publications, publishing
from redress.metrics.dashboards import CONSOLE, PATH, Tenant, signed_in
from redress.metrics.releases import handlers
from redress.tenancy.handlers import read_tenant

router = APIRouter(prefix=PATH, include_in_schema=False, route_class=CONSOLE.route)
Job = Annotated[
    str, Path(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
]
LABELS = {"period": "Period", "corrects": "Release to correct"}
# What a refusal means to the communications team, beside the service's own words.
PLAINLY = {
    "already-published": "This period has a release already. To change its figures, publish "
    "a correction of the release in force.",
    "period-open": "This period is not over yet: only closed periods are published.",
    "bad-period": "Write the period as a year (2025), a quarter (2025-Q2) or a month (2025-06).",
    "being-published": "This period is being published now.",
    "already-corrected": "That release was corrected already: correct the release in force.",
    "unknown-release": "There is no such release of this initiative.",
    "wrong-period": "That release is of another period.",
    "budget-exhausted": "The privacy budget of the year is spent: no more releases of its "
    "periods can be published with noise.",
    "publishing-failed": "Publishing stopped several times before it ended. Publish the "
    "period again; if it stops again, tell the operators.",
}


@dataclass(frozen=True)
class Shown:
    """A release as the list shows it."""

    release_id: str
    number: int
    period: str
    published: str
    corrects: int | None
    corrected_by: int | None
    page: str


async def _releases(request: Request, tenant: str) -> list[Shown]:
    events = await handlers.releases(request.app.state.runtime.store, tenant)
    numbers = {e.release_id: e.number for e in events}
    later = {e.corrects: e.number for e in events if e.corrects is not None}
    zone = await _zone(request, tenant)
    return [
        Shown(e.release_id, e.number, e.period,
              console.when(json.loads(e.document)["published"], zone),
              numbers.get(e.corrects or ""), later.get(e.release_id),
              f"/t/{tenant}/figures/releases/{e.release_id}")
        for e in reversed(events)
    ]  # fmt: skip


async def _zone(request: Request, tenant: str) -> str | None:
    """The tenant's time zone as its stream tells it (ADR 18), not a read model's copy."""
    async with request.app.state.runtime.pool.acquire() as conn:
        settings = (await read_tenant(conn, tenant)).settings
    return settings.time_zone if settings else None


async def _list(request: Request, tenant: str, status: int = 200, **form: object) -> Response:
    p = await signed_in(request, tenant, Action.figures_publish)
    shown = await _releases(request, tenant)
    async with request.app.state.runtime.pool.acquire() as conn:
        jobs = await publications.latest(conn, tenant)
    in_force = [r for r in shown if r.corrected_by is None]
    context = {"failed": None, "fields": {}, "typed": {}, "error": None, "busy": None} | form
    return CONSOLE.page(request, "releases.html", status, principal=p, tenant=tenant,
                        releases=shown, in_force=in_force, jobs=jobs, **context)  # fmt: skip


def _plainly(exc: Refused | Problem, period: str, shown: list[Shown]) -> str:
    """A refusal in the console's words, naming a release by its number as the page does (the
    service's own detail names it by id)."""
    in_force = next((r.number for r in shown if r.period == period and r.corrected_by is None),
                    None)  # fmt: skip
    if exc.kind == "already-published" and in_force:
        return (f"{period} has a release already, release {in_force}. To change its figures, "
                "publish a correction of it.")  # fmt: skip
    if exc.kind == "period-open":
        return f"{period} is not over yet: only closed periods are published."
    if exc.kind == "already-corrected" and in_force:
        return f"That release was corrected already: correct release {in_force}, in force now."
    return PLAINLY.get(exc.kind) or f"{exc.detail[:1].upper()}{exc.detail[1:]}."


@router.get("/{tenant}/releases")
async def releases_page(tenant: Tenant, request: Request) -> Response:
    """The initiative's releases, and the forms to publish."""
    return await _list(request, tenant)


@router.post("/{tenant}/releases")
async def publish(tenant: Tenant, request: Request) -> Response:
    """Ask for a publication, and follow it on its page; a refusal the stream decides is
    said on the form, what was typed kept."""
    p = authorise(await signed_in(request, tenant, Action.figures_publish),
                  Action.figures_publish)  # fmt: skip
    form = await CONSOLE.form(request)
    corrects = console.field(form, "corrects")
    kind = "publish" if corrects is None else "correct"
    typed = {"period": console.field(form, "period") or "", "corrects": corrects or ""}
    period = "-".join(typed["period"].upper().split())  # as people type it: "2025 q2"
    if corrects is not None:  # the correction is of the release's own period
        known = {r.release_id: r.period for r in await _releases(request, tenant)}
        period = known.get(corrects, "")
        if not period:
            said = "choose a release of this initiative to correct"
            return await _list(request, tenant, 422, failed=kind, typed=typed, error=said,
                               fields={"corrects": f"{LABELS['corrects']}: {said}"})  # fmt: skip
    if not period:
        said = "write the period to publish, such as 2025-Q2"
        return await _list(request, tenant, 422, failed=kind, typed=typed, error=said,
                            fields={"period": f"{LABELS['period']}: {said}"})  # fmt: skip
    try:
        async with request.app.state.runtime.pool.acquire() as conn, conn.transaction():
            job = await publications.ask(conn, metadata_for(p), period, corrects,
                                         datetime.now(UTC))  # fmt: skip
    except (Refused, Problem) as exc:
        name = "corrects" if kind == "correct" else "period"
        said = _plainly(exc, period, await _releases(request, tenant))
        busy = exc.extra.get("publication") if isinstance(exc, Problem) else None
        return await _list(request, tenant, exc.status, failed=kind, typed=typed, error=said,
                           fields={name: f"{LABELS[name]}: {said}"},
                           busy=busy and f"{PATH}/{tenant}/publications/{busy}")  # fmt: skip
    await publishing.start(request.app.state.runtime, job.id)
    return RedirectResponse(f"{PATH}/{tenant}/publications/{job.id}", status_code=303)


@router.get("/{tenant}/publications/{job_id}")
async def publication_page(
    tenant: Tenant,
    job_id: Job,
    request: Request,
    refresh: Annotated[Literal["off"] | None, Query()] = None,
) -> Response:
    """How a publication goes: refreshed every two seconds until it ends, unless the reader
    turns that off (WCAG 2.2.1: a page that reloads itself moves a screen reader back to its
    top, and the reader may need longer than two seconds)."""
    p = await signed_in(request, tenant, Action.figures_publish)
    async with request.app.state.runtime.pool.acquire() as conn:
        job = await publications.find(conn, tenant, uuid.UUID(job_id))
    if job is None:
        kept = request.app.state.runtime.settings.publications_kept_days
        raise Problem(404, "not-found", publications.unknown(kept))
    plainly = PLAINLY.get((job.problem or {}).get("type", "").rsplit(":", 1)[-1], "")
    return CONSOLE.page(request, "publication.html", principal=p, tenant=tenant, job=job,
                        plainly=plainly, zone=await _zone(request, tenant),
                        refreshing=job.under_way and refresh is None)  # fmt: skip
