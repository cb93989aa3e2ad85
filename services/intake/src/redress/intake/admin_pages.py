"""The tenant admin pages: settings, member organisations, sites, time frames, retention, k,
who is emailed alerts, and the hotline given to workers.

Server-rendered, for an MSI's admins. As at the staff consoles, an admin signs in at the
identity provider where the platform is registered with it (the kit's `sign_in`, through
`AdminPages`), or pastes a bearer token; the token is kept in an HttpOnly, SameSite=Strict
cookie scoped to this tenant's admin pages and verified on every request; every form
carries a CSRF token. Each form runs the tenancy domain's handler, exactly as the API does.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from babel import Locale
from fastapi import APIRouter, Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from redress.intake.context import Intake, IntakeContext
from redress.kit import csrf
from redress.kit.auth import InvalidToken, Principal
from redress.kit.authz import Action, allowed
from redress.kit.caching import page_headers
from redress.kit.console import sign_in
from redress.kit.countries import CODES
from redress.kit.deps import Store, authorise, metadata_for
from redress.kit.i18n import LANGUAGES
from redress.tenancy.domain import (
    AdmitMember,
    ChangeSettings,
    Command,
    RegisterSite,
    SetMinimumCount,
    SetRetention,
    SetTimeFrames,
)
from redress.tenancy.handlers import execute, load
from redress.tenancy.hotline import SetHotline
from redress.tenancy.recipients import SetAlertRecipients
from redress.tenancy.tenant import TenantRefused, export

COOKIE = "admin_token"
MAX_TOKEN = 8192
KINDS = ("settings", "members", "sites", "time-frames", "retention", "minimum-count",
         "alert-recipients", "hotline")  # fmt: skip
# Addresses as an admin pastes them: one a line, or separated by commas or spaces. What is
# no address (a display name, say) is the tenancy domain's to refuse, by its name.
BETWEEN_ADDRESSES = re.compile(r"[\s,;]+")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

router = APIRouter(prefix="/t/{tenant}/admin", include_in_schema=False)
_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "admin_templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_HEADERS = page_headers()


def _page(request: Request, intake: Intake, name: str, status: int = 200, **ctx: Any) -> Response:
    token, new_cookie = csrf.issue(request, intake.csrf_key)
    html = _env.get_template(name).render(csrf=token, days=DAYS, **ctx)
    response = HTMLResponse(html, status, headers=_HEADERS)
    csrf.set_cookie(response, new_cookie, secure=request.url.scheme == "https")
    return response


def _home(tenant: str) -> str:
    return f"/t/{tenant}/admin"


async def _admin(request: Request, tenant: str, token: str | None) -> Principal | None:
    """The admin of this tenant the token names; None for no token, a bad one, or another's."""
    found = await _verified(request, token)
    if found is None or not _admin_here(found, tenant):
        return None
    return authorise(found, Action.tenant_configure)  # events record the acting role


async def _verified(request: Request, token: str | None) -> Principal | None:
    """Whom a valid token names; None for no token, a forged or an expired one."""
    if not token or len(token) > MAX_TOKEN:
        return None
    try:
        principal: Principal = await request.app.state.runtime.verifier.verify(token)
    except InvalidToken:
        return None
    return principal


def _admin_here(principal: Principal, tenant: str) -> bool:
    return principal.tenant == tenant and allowed(principal.roles, Action.tenant_configure)


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _keep(request: Request, tenant: str, token: str, response: Response) -> Response:
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path=_home(tenant))  # fmt: skip
    return response


class AdminPages:
    """One tenant's admin pages as the kit's sign-in at the identity provider sees them
    (`sign_in.Pages`): it admits only an admin of this tenant, as the token form does."""

    def __init__(self, tenant: str, intake: Intake) -> None:
        self.tenant, self.intake, self.path = tenant, intake, _home(tenant)

    def admits(self, principal: Principal, /) -> bool:
        return _admin_here(principal, self.tenant)

    def login_page(self, request: Request, status: int = 200, **context: Any) -> Response:
        error: str | None = context.get("error")
        if error == "sign-in":
            error = f"You are not signed in: {context.get('reason')}"
        elif error == "not-staff":
            error = "You signed in, but not as an admin of this initiative."
        return _login_page(request, self.intake, self.tenant, status, error)

    def keep_session(self, request: Request, token: str, response: Response) -> Response:
        return _keep(request, self.tenant, token, response)

    def signed_in_page(self) -> Response:
        # A page that moves on, not a redirect: as at the consoles (ADR 56), the Strict
        # session cookie would be withheld at the end of a redirect chain from the provider.
        html = _env.get_template("signed_in.html").render(tenant=self.tenant)
        return HTMLResponse(html, headers=_HEADERS)


def _login_page(
    request: Request, intake: Intake, tenant: str, status: int = 200, error: str | None = None
) -> Response:
    offered = request.app.state.runtime.settings.sign_in
    return _page(request, intake, "login.html", status, tenant=tenant, error=error,
                 sign_in=offered)  # fmt: skip


@router.get("/login")
async def login_form(request: Request, tenant: str, intake: IntakeContext) -> Response:
    return _login_page(request, intake, tenant)


@router.get("/login/start")
async def sign_in_start(request: Request, tenant: str, intake: IntakeContext) -> Response:
    if not request.app.state.runtime.settings.sign_in:
        return HTMLResponse("Not found", 404, headers=_HEADERS)
    return await sign_in.start(AdminPages(tenant, intake), request)


@router.get("/login/callback")
async def sign_in_callback(request: Request, tenant: str, intake: IntakeContext) -> Response:
    if not request.app.state.runtime.settings.sign_in:
        return HTMLResponse("Not found", 404, headers=_HEADERS)
    return await sign_in.callback(AdminPages(tenant, intake), request)


@router.post("/login")
async def login(request: Request, tenant: str, intake: IntakeContext) -> Response:
    form = await request.form()
    csrf.check(request, intake.csrf_key, _field(form, "csrf"))
    token = _field(form, "token").removeprefix("Bearer ").strip()
    # As every console: a token refused is 401, a good one of someone else 403.
    if (found := await _verified(request, token)) is None:
        refused = "That token was refused: the token is invalid or expired."
        return _login_page(request, intake, tenant, 401, refused)
    if not _admin_here(found, tenant):
        refused = "This token is not an admin's of this initiative."
        return _login_page(request, intake, tenant, 403, refused)
    return _keep(request, tenant, token, RedirectResponse(_home(tenant), status_code=303))


@router.post("/logout")
async def logout(request: Request, tenant: str, intake: IntakeContext) -> Response:
    form = await request.form()
    csrf.check(request, intake.csrf_key, _field(form, "csrf"))
    response = RedirectResponse(f"{_home(tenant)}/login", status_code=303)
    response.delete_cookie(COOKIE, path=_home(tenant), httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")  # fmt: skip
    return response


@router.get("")
async def settings_page(
    request: Request, tenant: str, intake: IntakeContext, store: Store
) -> Response:
    if await _admin(request, tenant, request.cookies.get(COOKIE)) is None:
        return RedirectResponse(f"{_home(tenant)}/login", status_code=303)
    return await _render(request, tenant, intake, store, notice=request.query_params.get("done"))


WHOLE_DAYS = "please give whole numbers of days, each at least 1"
# An admin picks a site's country by its name, not by a code alone ("AD" is Andorra).
COUNTRY_NAMES: dict[str, str] = dict(Locale("en").territories)


async def _render(
    request: Request, tenant: str, intake: Intake, store: Store, status: int = 200, **ctx: Any
) -> Response:
    state, _ = await load(store, tenant)
    reviews = {code: intake.pages.catalogues.review(code) for code in LANGUAGES}
    return _page(request, intake, "tenant.html", status, tenant=tenant, state=export(state),
                 languages=LANGUAGES, reviews=reviews, countries=CODES,
                 country_names=COUNTRY_NAMES, **ctx)  # fmt: skip


def _command(kind: str, form: FormData) -> Command:
    """The command a form asks for; ValueError for what is not even well-formed."""
    match kind:
        case "settings":
            days = tuple(int(d) for d in form.getlist("working_days") if isinstance(d, str))
            langs = tuple(str(lang) for lang in form.getlist("languages"))
            return ChangeSettings(_field(form, "name"), _field(form, "time_zone"), days, langs)
        case "members":
            return AdmitMember(_field(form, "org"), _field(form, "name"))
        case "sites":
            members = tuple(str(m) for m in form.getlist("member_orgs"))
            tier = _field(form, "tier")
            country = _field(form, "country").upper()
            if country not in CODES:
                raise ValueError("choose a country")
            sector = _field(form, "sector") or None
            return RegisterSite(_field(form, "site_id"), _field(form, "name"), country, members,
                                sector, int(tier) if tier else None)  # fmt: skip
        case "time-frames":
            return SetTimeFrames(*(int(_field(form, f)) for f in
                                   ("acknowledge_days", "feedback_days", "plan_days")))  # fmt: skip
        case "retention":
            kept = _field(form, "days")
            return SetRetention(int(kept) if kept else None)
        case "minimum-count":
            return SetMinimumCount(int(_field(form, "k")))
        case "alert-recipients":
            roles = ("officers", "supervisors", "admins")
            return SetAlertRecipients(*(_addresses(_field(form, role)) for role in roles))
        case "hotline":
            return SetHotline(_field(form, "number") or None)
    raise ValueError("unknown form")


async def _in_their_order(store: Store, tenant: str, asked: ChangeSettings) -> ChangeSettings:
    """The languages in the order the tenant gave them, new ones after: the boxes come in the
    platform's order, and the first language is the one a worker without a preference gets,
    so saving the page unchanged must change nothing."""
    state, _ = await load(store, tenant)
    before = state.settings.languages if state.settings else ()
    chosen = [lang for lang in before if lang in asked.languages]
    chosen += [lang for lang in asked.languages if lang not in chosen]
    return replace(asked, languages=tuple(chosen))


def _addresses(given: str) -> tuple[str, ...]:
    return tuple(a for a in BETWEEN_ADDRESSES.split(given) if a)


@router.post("/{kind}")
async def change(
    request: Request, tenant: str, kind: str, intake: IntakeContext, store: Store
) -> Response:
    form = await request.form()
    csrf.check(request, intake.csrf_key, _field(form, "csrf"))
    principal = await _admin(request, tenant, request.cookies.get(COOKIE))
    if principal is None:
        return RedirectResponse(f"{_home(tenant)}/login", status_code=303)
    if kind not in KINDS:
        return HTMLResponse("Not found", 404, headers=_HEADERS)
    try:
        command = _command(kind, form)
        if isinstance(command, ChangeSettings):
            command = await _in_their_order(store, tenant, command)
        await execute(store, tenant, command, metadata_for(principal))
    except TenantRefused as exc:
        return await _render(request, tenant, intake, store, 422, error=exc.detail,
                             failed=kind, typed=form)  # fmt: skip
    except ValueError as exc:
        detail = (str(exc) if "choose" in str(exc) else "please give a whole number"
                  if kind == "minimum-count" else WHOLE_DAYS)  # fmt: skip
        return await _render(request, tenant, intake, store, 422, error=detail, failed=kind,
                             typed=form)  # fmt: skip
    return RedirectResponse(f"{_home(tenant)}?done={kind}", status_code=303)
