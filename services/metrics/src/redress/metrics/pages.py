"""The public figures pages, without login: the list of an initiative's releases and one
page per release, rendered on the server in the reader's language, charts as inline SVG.

A release page shows only the signed document (`release_view`), so it shows exactly what
was signed. Releases never change, so each page is rendered once per release, language and
breakdown and kept (`redress.metrics.shelf`); what may change around a release (a later
correction, the initiative's name) is part of the key. Like the worker pages, these are not
in the OpenAPI document, and a refusal is a page in the reader's language.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

from babel.numbers import format_decimal
from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import HTMLResponse

from redress.events.catalogue.release import DisclosureSettingsSet, ReleasePublished
from redress.kit.caching import page_headers
from redress.kit.errors import Problem
from redress.kit.i18n import LANGUAGES, digits, negotiate
from redress.kit.runtime import Runtime
from redress.metrics import charts, labels, release_view
from redress.metrics.public import ReleaseId, Tenant
from redress.metrics.public_pages import FiguresRoute, country_names
from redress.metrics.releases.handlers import release_stream
from redress.metrics.shelf import Shelf, Shown, number, period_words, published, render
from redress.tenancy.handlers import read_tenant

# Named here as the member dashboard and the guide pages have always named them.
__all__ = [
    "Pages", "Shelf", "Shown", "language", "listing", "masthead", "number", "period_words",
    "published", "release_page", "releases_of", "render", "render_release", "router", "shelf",
    "start",
]  # fmt: skip

router = APIRouter(prefix="/t/{tenant}/figures", include_in_schema=False, route_class=FiguresRoute)


async def start(runtime: Runtime) -> None:
    runtime.extras["figures"] = Shelf.build()
    # The chart engine takes seconds to start: started now, in a thread, not on a reader.
    runtime.extras["figures_warm"] = asyncio.create_task(asyncio.to_thread(charts.warm))


async def shelf(request: Request) -> Shelf:
    found: Shelf = request.app.state.runtime.extras["figures"]
    return found


Pages = Annotated[Shelf, Depends(shelf)]


async def releases_of(request: Request, shelf: Shelf, tenant: str) -> list[Shown]:
    """The tenant's releases, read again only when its release stream has grown."""
    store = request.app.state.runtime.store
    stream = release_stream(tenant)
    version = await store.stream_version(stream)
    held = shelf.releases.get(tenant)
    if held is not None and held[0] == version:
        return held[1]
    budget: float | None = None
    spent: dict[str, float] = {}
    shown = []
    for e in await store.read_stream(stream):
        if isinstance(e.data, DisclosureSettingsSet):
            budget = e.data.yearly_budget
        elif isinstance(e.data, ReleasePublished):
            document = json.loads(e.data.document)
            year = e.data.period[:4]
            spent[year] = spent.get(year, 0.0) + (e.data.epsilon or 0.0)
            shown.append(Shown(e.data, document, budget, spent[year]))
    shelf.releases[tenant] = (version, shown)
    return shown


async def masthead(request: Request, tenant: str) -> tuple[str, tuple[str, ...]]:
    async with request.app.state.runtime.pool.acquire() as conn:
        settings = (await read_tenant(conn, tenant)).settings
    if settings is None:
        raise Problem(404, "not-found", f"there is no initiative {tenant!r}")
    offered = tuple(code for code in settings.languages if code in LANGUAGES)
    return settings.name, offered or tuple(LANGUAGES)


def language(request: Request, offered: tuple[str, ...]) -> str:
    chosen = request.query_params.get("lang")
    if chosen in offered:
        return str(chosen)
    return negotiate(request.headers.get("accept-language"), offered)


@router.get("", response_class=HTMLResponse)
async def listing(tenant: Tenant, request: Request, shelf: Pages) -> HTMLResponse:
    """Every release of the initiative, newest first, with its downloads."""
    name, offered = await masthead(request, tenant)
    lang = language(request, offered)
    shown = await releases_of(request, shelf, tenant)
    corrected = {s.event.corrects: s.event for s in shown if s.event.corrects}
    numbers = {s.event.release_id: s.event.number for s in shown}
    items = [
        {
            "id": s.event.release_id,
            "number": number(s.event.number, lang),
            "period": period_words(s.event.period, lang, shelf),
            "published": published(s.document, lang),
            "corrects": number(numbers.get(s.event.corrects or ""), lang),
            "corrects_id": s.event.corrects,
            "corrected_by": number(
                by.number if (by := corrected.get(s.event.release_id)) else None, lang
            ),
            "corrected_by_id": by.release_id if by else None,
        }
        for s in reversed(shown)
    ]
    html = render(shelf, "figures_list.html", lang, name, offered, tenant=tenant, items=items)
    return HTMLResponse(html, headers=page_headers())


@router.get("/releases/{release_id}", response_class=HTMLResponse)
async def release_page(
    tenant: Tenant,
    release_id: ReleaseId,
    request: Request,
    shelf: Pages,
    by: Annotated[str, Query(max_length=20)] = "country",
    part: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> HTMLResponse:
    """One release, every measure broken down `by` a dimension, with charts and tables; a
    dimension of many values is shown in parts (`release_view.PART`)."""
    if by not in labels.DIMENSIONS:
        raise Problem(422, "validation", f"figures cannot be shown by {by!r}")
    name, offered = await masthead(request, tenant)
    lang = language(request, offered)
    shown = await releases_of(request, shelf, tenant)
    found = [s for s in shown if s.event.release_id == release_id]
    if not found:
        raise Problem(404, "not-found", f"{tenant} has no release {release_id}")
    release = found[0]
    numbers = {s.event.release_id: s.event.number for s in shown}
    successor = next((s.event for s in shown if s.event.corrects == release_id), None)
    corrected_by = (successor.number, successor.release_id) if successor else None
    key = (tenant, release_id, lang, by, part, corrected_by, name, offered)
    html = shelf.kept(key)
    if html is None:
        earlier = release.event.corrects
        corrects = (numbers[earlier], earlier) if earlier in numbers else None
        try:
            html = await asyncio.to_thread(
                render_release, shelf, release, lang, name, offered, (by, part), corrects,
                corrected_by,
            )  # fmt: skip
        except release_view.PartBeyond as exc:
            raise Problem(404, "not-found", str(exc)) from None
        shelf.keep(key, html)
    return HTMLResponse(html, headers=page_headers())


def render_release(
    shelf: Shelf,
    release: Shown,
    lang: str,
    name: str,
    offered: tuple[str, ...],
    breakdown: tuple[str, int],  # the dimension, and the part of its values shown
    corrects: tuple[int, str] | None,  # the release's number and id
    corrected_by: tuple[int, str] | None,
) -> str:
    by, part = breakdown
    _ = shelf.catalogues.get(lang).gettext
    document = release.document
    countries = country_names(lang)

    def name_of(dim: str, value: str) -> str:
        if value == "unknown":
            return _(labels.UNKNOWN)
        if dim == "country":
            return countries.get(value, value)
        if dim == "language":
            return LANGUAGES.get(value, value)
        return _(labels.VALUES.get(dim, {}).get(value, "")) or value.replace("_", " ")

    sections, parts = release_view.sections(document, by, _, name_of, part)
    for s in sections:
        s.chart = (
            charts.svg(s.bars, _("withheld"), number=lambda v: number(v, lang)) if s.bars else ""
        )
    noise = document["disclosure"]["noise"]
    return render(
        shelf,
        "figures_release.html",
        lang,
        name,
        offered,
        tenant=document["tenant"],
        release=release,
        document=document,
        period=period_words(document["period"], lang, shelf),
        published=published(document, lang),
        sections=sections,
        by=by,
        part=part,
        parts=parts,
        dimensions=labels.DIMENSIONS,
        k=document["disclosure"]["k"],
        noise=noise,
        corrects=corrects,
        corrected_by=corrected_by,
        number=lambda v: number(v, lang),
        decimal=lambda v: digits(format_decimal(v, format="#,##0.###", locale=lang), lang),
        digits=lambda text: digits(str(text), lang),
        total=release_view.TOTAL,
    )
