"""The worker's report form: `/t/{tenant}/report`.

Sending it answers with a redirect to the receipt (POST, 303, GET); the form is single-use;
whatever is wrong comes back as the same form, in the worker's language, with what they
typed and a message beside the field concerned.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, RedirectResponse, Response

from redress.events.catalogue.grievance import Channel
from redress.intake import single_use
from redress.intake.commands import GrievanceInput
from redress.intake.context import IntakeContext
from redress.intake.domain import MAX_ATTACHMENTS
from redress.intake.filing import Upload, check_upload, file_grievance, masthead
from redress.intake.phones import reachable
from redress.intake.texts import (
    BAD_DATE,
    CHECK_FIELD,
    CHOOSE_CATEGORY,
    CHOOSE_COUNTRY,
    CONTROLS_TAKEN_OUT,
    FILE_TOO_LARGE,
    FILE_TYPE,
    FILING_LIMITED,
    FORM_EXPIRED,
    FUTURE_DATE,
    NOT_A_CONTACT,
    TELL_WHAT_HAPPENED,
    TOO_LONG,
    TOO_MANY_FILES,
    UNKNOWN_SITE,
    Counted,
)
from redress.intake.web_common import WorkerRoute, csrf_valid, language, page, worker_metadata
from redress.intake.web_receipt import to_receipt
from redress.kit.deps import Pool, Store, get_store
from redress.kit.errors import Problem, TooLarge
from redress.kit.i18n import LANGUAGES, parse_accept_language
from redress.kit.text import strip_controls
from redress.tenancy.handlers import load

router = APIRouter(include_in_schema=False, route_class=WorkerRoute)

_CONSENTS = ("reveal_identity_to_company", "contact_me", "share_with_support_services")
_KEEP = "keep_original_metadata"
_FIELDS = ("country", "site_id", "site_text", "category", "narrative", "since", "name",
           "contact", "contact_language", "contact_time")  # fmt: skip
# Where a validation error of the command shows on the form.
_FIELD_OF = {"phone_or_email": "contact", "time": "contact_time"}
_MISSING = {"country": CHOOSE_COUNTRY, "category": CHOOSE_CATEGORY,
            "narrative": TELL_WHAT_HAPPENED}  # fmt: skip
# Refusals of the filing that concern one field.
_PROBLEM_FIELDS = {"unknown-site": ("site_id", UNKNOWN_SITE), "file-too-large": (
    "files", FILE_TOO_LARGE), "file-type": ("files", FILE_TYPE),
    # The list names each workplace's country beside it: the worker sees which to change.
    "site-in-another-country": ("country", CHECK_FIELD)}  # fmt: skip
_MAX_FORM_FILES = 20  # more than allowed, so that too many files get a clear message
_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


_Errors = dict[str, tuple[str | Counted, dict[str, Any]]]  # field: (message, its arguments)


class _AlreadySent(Exception):
    pass


async def _form_page(
    request: Request, intake: IntakeContext, pool: Pool, tenant: str, lang: str, **context: Any
) -> HTMLResponse:
    async with pool.acquire() as conn:
        name = await masthead(conn, tenant)
        state, _version = await load(await get_store(request), tenant, conn)
    if state.offboarded:
        raise Problem(410, "tenant-offboarded", "this initiative no longer takes reports")
    # The tenant's own stream lists its sites: a rebuild never leaves the form without them.
    sites = sorted(state.sites.values(), key=lambda site: (site.name, site.site_id))
    # The form offers the languages the tenant chose; another one asked for falls back to
    # the browser's first choice among them, or to the first of them.
    offered = state.settings.languages if state.settings else tuple(LANGUAGES)
    if lang not in offered:
        browser = parse_accept_language(request.headers.get("accept-language"))
        lang = next((tag for tag in browser if tag in offered), offered[0])
    _ = intake.pages.gettext(lang)
    errors = {field: intake.pages.said(lang, message, args) for field, (message, args) in
              context.pop("errors", {}).items()}  # fmt: skip
    notice = context.pop("notice", None)
    return page(
        request, intake, "report.html", lang, name,
        action=f"/t/{tenant}/report?lang={lang}", status_url=f"/t/{tenant}/status?lang={lang}",
        procedure_url=f"/t/{tenant}/procedure?lang={lang}",
        countries=intake.pages.countries(lang), categories=intake.pages.categories(lang),
        sites=sites, form=context.pop("form", {}), errors=errors,
        languages={code: LANGUAGES[code] for code in offered if code in LANGUAGES},
        notice=_(notice) if notice else None, form_id=single_use.issue(intake.form_key),
        **context,
    )  # fmt: skip


@router.get("/t/{tenant}/report")
async def report_form(
    request: Request, tenant: str, intake: IntakeContext, pool: Pool, lang: str | None = None
) -> HTMLResponse:
    return await _form_page(request, intake, pool, tenant, language(request, lang))


@router.post("/t/{tenant}/report")
async def submit_report(
    request: Request, tenant: str, intake: IntakeContext, pool: Pool, store: Store
) -> Response:
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind not in _FORM_TYPES:  # not sent by the form: a page saying it could not be read
        raise Problem(415, "unsupported-media-type", "send the report form as a form")
    try:
        form = await request.form(max_files=_MAX_FORM_FILES, max_fields=40)
    except TooLarge:
        raise  # past what any form may carry: the page that says so, with a way back
    except HTTPException as exc:
        if "Too many files" not in str(exc.detail):
            raise Problem(400, "bad-request", "the form could not be read") from None
        # Too many parts to read: nothing of the form can be kept. The form's address names
        # the language it was read in.
        errors: _Errors = {"files": (TOO_MANY_FILES, {})}
        lang = language(request, request.query_params.get("lang"))
        return await _form_page(request, intake, pool, tenant, lang, errors=errors, status=413)
    if (chosen := _text(form, "lang")) is not None and chosen not in LANGUAGES:
        # Set by the page itself, never typed: only a forged form gets here.
        raise Problem(422, "validation", "the form's language is not one of ours")
    lang = language(request, chosen or request.query_params.get("lang"))
    values: dict[str, Any] = {f: _text(form, f) for f in _FIELDS}
    forged = _forged(form, values)
    values.update({c: form.get(c) == "yes" for c in (*_CONSENTS, _KEEP)})
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    # What comes back on the page is without control characters: nobody can see them to take
    # them out, and the same text would be refused again and again.
    shown = {k: strip_controls(v) if isinstance(v, str) else v for k, v in values.items()}
    again: dict[str, Any] = {"form": shown, "had_files": bool(files)}
    if not csrf_valid(request, intake, _text(form, "csrf")):
        return await _form_page(request, intake, pool, tenant, lang, notice=FORM_EXPIRED,
                                status=403, **again)  # fmt: skip
    switch_to = _text(form, "switch_to")
    if switch_to and not form.get("submit"):
        # The language switcher keeps what the worker has typed.
        return await _form_page(request, intake, pool, tenant, language(request, switch_to),
                                **again)  # fmt: skip
    form_id = single_use.check(intake.form_key, _text(form, "form_id"))
    if form_id is None:
        return await _form_page(request, intake, pool, tenant, lang, notice=FORM_EXPIRED,
                                status=403, **again)  # fmt: skip
    async with pool.acquire() as conn:
        if await single_use.earlier_filing(conn, tenant, form_id) is not None:
            return await _already_sent(request, intake, pool, tenant, lang, form_id)
    try:
        grievance = _grievance(values, lang)
    except ValidationError as exc:
        return await _form_page(request, intake, pool, tenant, lang, status=422,
                                errors={**_errors(exc.errors()), **forged}, **again)  # fmt: skip
    if forged:
        return await _form_page(request, intake, pool, tenant, lang, status=422, errors=forged,
                                **again)  # fmt: skip
    if len(files) > MAX_ATTACHMENTS:
        return await _form_page(request, intake, pool, tenant, lang, status=413,
                                errors={"files": (TOO_MANY_FILES, {})}, **again)  # fmt: skip
    uploads = [Upload(await f.read()) for f in files]
    try:
        intake.filings.check(request, tenant)
        for upload in uploads:
            check_upload(upload)
        async with pool.acquire() as conn, conn.transaction():
            if not await single_use.consume(conn, tenant, form_id):
                raise _AlreadySent
            filed = await file_grievance(
                conn, store, intake, worker_metadata(tenant), grievance, Channel.web,
                uploads=uploads, secret=single_use.secret_for(intake.form_key, form_id),
            )  # fmt: skip
            await single_use.record(conn, form_id, filed.reference, filed.proof)
    except _AlreadySent:
        return await _already_sent(request, intake, pool, tenant, lang, form_id)
    except Problem as exc:
        if exc.kind in _PROBLEM_FIELDS:
            field, message = _PROBLEM_FIELDS[exc.kind]
            return await _form_page(request, intake, pool, tenant, lang, status=exc.status,
                                    errors={field: (message, {})}, **again)  # fmt: skip
        if exc.status == 429:
            return await _form_page(request, intake, pool, tenant, lang, status=429,
                                    notice=FILING_LIMITED, headers=dict(exc.headers or {}),
                                    **again)  # fmt: skip
        raise
    assert filed.secret is not None
    return to_receipt(request, intake, tenant, lang, filed.reference, filed.secret, filed.proof)


async def _already_sent(
    request: Request, intake: IntakeContext, pool: Pool, tenant: str, lang: str, form_id: str
) -> Response:
    """A form sent again files nothing: the worker lands on the receipt, or on a page saying
    that the report was sent and the receipt was shown once."""
    async with pool.acquire() as conn:
        earlier = await single_use.earlier_filing(conn, tenant, form_id)
    if earlier is None:
        return RedirectResponse(f"/t/{tenant}/receipt?lang={lang}", status_code=303)
    reference, proof = earlier
    secret = single_use.secret_for(intake.form_key, form_id)
    return to_receipt(request, intake, tenant, lang, reference, secret, proof)


def _errors(details: list[ErrorDetails]) -> _Errors:
    errors: _Errors = {}
    for error in details:
        if not error["loc"]:
            continue
        field = _FIELD_OF.get(str(error["loc"][-1]), str(error["loc"][-1]))
        kind, ctx = error["type"], error.get("ctx") or {}
        if kind in ("string_too_long", "too_long"):  # `too_long` for the kit's text types
            errors[field] = (TOO_LONG, {"limit": ctx.get("max_length")})
        elif field in _MISSING and kind in ("missing", "string_too_short", "blank", "enum",
                                            "string_pattern_mismatch"):  # fmt: skip
            errors[field] = (_MISSING[field], {})
        elif field == "since":
            errors[field] = (FUTURE_DATE if _in_future(error["input"]) else BAD_DATE, {})
        else:
            errors.setdefault(field, (CHECK_FIELD, {}))
    return errors


def _in_future(value: object) -> bool:
    try:
        return date.fromisoformat(str(value)) > date.today()
    except ValueError:
        return False


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if isinstance(value, str):
        return value.strip() or None
    return None


def _forged(form: FormData, values: dict[str, Any]) -> _Errors:
    """Choices the form offers that came back as something it does not offer: a box ticked
    is "yes", a language one of the list. Never taken as something else, or as nothing.
    And a contact that is neither a number nor an e-mail address, which nobody could use
    to reach the worker (no text, no call after an audit); and text holding characters
    nobody can see, given back without them. Each says more than the command's own check."""
    errors: _Errors = {
        field: (CONTROLS_TAKEN_OUT, {})
        for field, value in values.items()
        if isinstance(value, str) and strip_controls(value) != value
    }
    if values["contact"] is not None and not reachable(strip_controls(values["contact"])):
        errors["contact"] = (NOT_A_CONTACT, {})
    if any(form.get(c) not in (None, "yes") for c in (*_CONSENTS, _KEEP)):
        errors["choices"] = (CHECK_FIELD, {})
    if values["contact_language"] is not None and values["contact_language"] not in LANGUAGES:
        errors["contact_language"] = (CHECK_FIELD, {})
    return errors


def _grievance(values: dict[str, Any], lang: str) -> GrievanceInput:
    contact = None
    if values["name"] or values["contact"] or values["contact_time"]:
        contact = {
            "name": values["name"],
            "phone_or_email": values["contact"],
            "language": values["contact_language"] or lang,
            "time": values["contact_time"],
        }
    # One validation of the whole form, so that every wrong field is marked at once. A
    # workplace chosen from the list gives its country; without one, a country is asked for.
    country = values["country"] or (None if values["site_id"] else "")
    return GrievanceInput.model_validate({
        "country": country, "site_id": values["site_id"],
        "site_text": values["site_text"], "category": values["category"] or "",
        "narrative": values["narrative"] or "", "since": values["since"], "language": lang,
        "contact": contact, "consent": {c: values[c] for c in _CONSENTS},
        "keep_original_metadata": values[_KEEP],
    })  # fmt: skip
