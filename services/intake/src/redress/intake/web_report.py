"""The worker's report form: `/t/{tenant}/report`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.responses import HTMLResponse

from redress.events.catalogue.grievance import Channel, Consent
from redress.intake.commands import ContactDetails, GrievanceInput
from redress.intake.context import IntakeContext
from redress.intake.domain import MAX_ATTACHMENTS
from redress.intake.filing import Upload, file_grievance, tenant_name
from redress.intake.web_common import language, page, worker_metadata
from redress.kit import csrf
from redress.kit.deps import Pool, Store
from redress.kit.errors import Problem

router = APIRouter(include_in_schema=False)

_CONSENTS = ("reveal_identity_to_company", "contact_me", "share_with_support_services")
_KEEP = "keep_original_metadata"
_FIELDS = ("country", "site_id", "site_text", "category", "narrative", "since", "name",
           "contact", "contact_language", "contact_time")  # fmt: skip


async def _form_page(
    request: Request, intake: IntakeContext, pool: Pool, tenant: str, lang: str, **context: Any
) -> HTMLResponse:
    async with pool.acquire() as conn:
        name = await tenant_name(conn, tenant)
        sites = await conn.fetch(
            "SELECT site_id, name, country FROM intake.sites WHERE tenant = $1 ORDER BY name",
            tenant,
        )
    return page(
        request,
        intake,
        "report.html",
        lang,
        name,
        action=f"/t/{tenant}/report",
        status_url=f"/t/{tenant}/status?lang={lang}",
        countries=intake.pages.countries(lang),
        categories=intake.pages.categories(lang),
        sites=sites,
        form=context.pop("form", {}),
        errors=context.pop("errors", {}),
        **context,
    )


@router.get("/t/{tenant}/report")
async def report_form(
    request: Request, tenant: str, intake: IntakeContext, pool: Pool, lang: str | None = None
) -> HTMLResponse:
    return await _form_page(request, intake, pool, tenant, language(request, lang))


@router.post("/t/{tenant}/report")
async def submit_report(
    request: Request, tenant: str, intake: IntakeContext, pool: Pool, store: Store
) -> HTMLResponse:
    form = await request.form(max_files=MAX_ATTACHMENTS + 1, max_fields=40)
    csrf.check(request, intake.csrf_key, _text(form, "csrf"))
    lang = language(request, _text(form, "lang"))
    values: dict[str, Any] = {f: _text(form, f) for f in _FIELDS}
    values.update({c: form.get(c) == "yes" for c in (*_CONSENTS, _KEEP)})
    switch_to = _text(form, "switch_to")
    if switch_to and not form.get("submit"):
        # The language switcher keeps what the worker has typed.
        return await _form_page(request, intake, pool, tenant, language(request, switch_to),
                                form=values)  # fmt: skip
    try:
        grievance = _grievance(values, lang)
    except ValidationError as exc:
        errors = {str(e["loc"][0]): True for e in exc.errors() if e["loc"]}
        return await _form_page(request, intake, pool, tenant, lang, form=values, errors=errors,
                                status=422)  # fmt: skip
    uploads = [
        Upload(await f.read())
        for f in form.getlist("files")
        if isinstance(f, UploadFile) and f.filename
    ]
    if len(uploads) > MAX_ATTACHMENTS:
        raise Problem(413, "too-many-files", f"at most {MAX_ATTACHMENTS} files")
    intake.filings.check(request, tenant)
    async with pool.acquire() as conn, conn.transaction():
        name = await tenant_name(conn, tenant)
        filed = await file_grievance(
            conn, store, intake, worker_metadata(tenant), grievance, Channel.web, uploads=uploads
        )
    return page(
        request,
        intake,
        "receipt.html",
        lang,
        name,
        reference=filed.reference,
        secret=" ".join(filed.secret[i : i + 4] for i in range(0, 16, 4)) if filed.secret else "",
        proof=filed.proof,
        status_url=f"/t/{tenant}/status?lang={lang}",
    )


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if isinstance(value, str):
        return value.strip() or None
    return None


def _grievance(values: dict[str, Any], lang: str) -> GrievanceInput:
    contact = None
    if values["name"] or values["contact"] or values["contact_time"]:
        contact = ContactDetails(
            name=values["name"],
            phone_or_email=values["contact"],
            language=values["contact_language"] or lang,
            time=values["contact_time"],
        )
    return GrievanceInput(
        country=values["country"] or "",
        site_id=values["site_id"],
        site_text=values["site_text"],
        category=values["category"] or "",
        narrative=values["narrative"] or "",
        since=values["since"],
        language=lang,
        contact=contact,
        consent=Consent(**{c: values[c] for c in _CONSENTS}),
        keep_original_metadata=values[_KEEP],
    )
