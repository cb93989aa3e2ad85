"""Filing a report for a worker on the phone, at the hotline desk: the fields of the operator
filing API (`commands.OperatorGrievance`), filed by the same code (`filing.file_grievance`).

The receipt is shown once, on the answer to the form itself: it is never in an address, a
redirect or a cookie, and the page is not cached. The form is accepted once (the console's
CSRF token), so a reload or a second click files nothing twice: it is refused, and the
receipt is not shown again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from redress.events.catalogue.grievance import Channel, Consent
from redress.intake.commands import OperatorGrievance
from redress.intake.context import Intake, IntakeContext
from redress.intake.desk import CONSOLE, PATH
from redress.intake.filing import file_grievance, masthead
from redress.kit import console
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.console.refusals import FORM_ERRORS, NO_FAILURE, FieldError, failure
from redress.kit.deps import Pool, Store, metadata_for
from redress.kit.errors import Problem
from redress.kit.i18n import LANGUAGES
from redress.tenancy.handlers import load

router = APIRouter(prefix=PATH, include_in_schema=False, route_class=CONSOLE.route)
Filing = Annotated[Principal, Depends(CONSOLE.signed_in(Action.grievance_file_for_worker))]
FIELDS = ("channel", "language", "country", "site_id", "site_text", "category", "narrative",
          "since", "name", "phone_or_email", "time", "consent")  # fmt: skip
CONSENTS = tuple(Consent.model_fields)
LABELS = {"site_id": "Site", "site_text": "Where it is, if not a site listed",
          "since": "Since when", "phone_or_email": "Phone number or e-mail",
          "time": "When to contact them", "name": "The worker's name"}  # fmt: skip


async def _form(
    request: Request, p: Principal, pool: Pool, store: Store, intake: Intake, status: int = 200,
    **failed: Any,
) -> Response:  # fmt: skip
    async with pool.acquire() as conn:
        offered = (await masthead(conn, p.tenant)).languages
        state, _ = await load(store, p.tenant, conn)
    sites = sorted(state.sites.values(), key=lambda site: (site.name, site.site_id))
    return CONSOLE.page(
        request, "file.html", status, principal=p, sites=sites,
        languages=[(code, LANGUAGES[code]) for code in offered or LANGUAGES],
        countries=intake.pages.countries("en"), categories=intake.pages.categories("en"),
        consents=CONSENTS, labels={"file": "The report"}, names=LABELS,
        **(NO_FAILURE | failed),
    )  # fmt: skip


@router.get("/file")
async def file_form(
    request: Request, p: Filing, pool: Pool, store: Store, intake: IntakeContext
) -> Response:
    return await _form(request, p, pool, store, intake)


def _body(f: FormData) -> OperatorGrievance:
    """The form as the API's body: empty fields are left out, boxes are yes or no."""
    contact = {k: console.field(f, k) for k in ("name", "phone_or_email", "time")}
    ticked = set(console.values(f, "consent"))
    body: dict[str, Any] = {k: console.field(f, k) for k in FIELDS[:8]}
    body |= {"contact": {k: v for k, v in contact.items() if v} or None,
             "consent": {k: k in ticked for k in CONSENTS}}  # fmt: skip
    return OperatorGrievance.model_validate({k: v for k, v in body.items() if v is not None}
                                            | {"country": body["country"]})  # fmt: skip


@router.post("/file")
async def file(
    request: Request, p: Filing, pool: Pool, store: Store, intake: IntakeContext
) -> Response:
    """File the report the worker tells, and show its receipt, once, to read back."""
    posted = await CONSOLE.form(request)
    try:
        body = _body(posted)
        async with pool.acquire() as conn, conn.transaction():
            filed = await file_grievance(
                conn, store, intake, metadata_for(p), body, Channel(body.channel)
            )
    except FORM_ERRORS as exc:
        if isinstance(exc, Problem) and exc.kind == "unknown-site":
            exc = FieldError("site_id", "Site: not one of this initiative's sites")
        elif isinstance(exc, Problem) and exc.kind == "site-in-another-country":
            exc = FieldError("country", f"Country: {exc.detail}")
        refused = failure("file", exc, posted, FIELDS, ticked="consent")
        return await _form(request, p, pool, store, intake, refused.status, **refused.context())
    return CONSOLE.page(request, "filed.html", principal=p, filed=filed, language=body.language)
