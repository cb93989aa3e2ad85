"""What the worker pages share: language, CSRF, the anonymous actor, state loading."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import HTMLResponse

from redress.events.envelope import Actor, Metadata
from redress.events.store import EventStore
from redress.intake.context import Intake
from redress.intake.domain import Grievance, fold
from redress.kit import csrf
from redress.kit.i18n import LANGUAGES, negotiate

WORKER = Actor(id="worker", role="worker")


def worker_metadata(tenant: str) -> Metadata:
    # The worker is anonymous: no id, no address, nothing but the role.
    return Metadata(tenant=tenant, actor=WORKER)


def language(request: Request, explicit: str | None = None) -> str:
    if explicit in LANGUAGES:
        return str(explicit)
    return negotiate(request.headers.get("accept-language"))


def page(
    request: Request, intake: Intake, name: str, lang: str, tenant_name: str, **context: Any
) -> HTMLResponse:
    """Render a page with a CSRF token, setting the CSRF cookie on a first visit."""
    token, new_cookie = csrf.issue(request, intake.csrf_key)
    status = context.pop("status", 200)
    response = intake.pages.render(name, lang, tenant_name, status=status, csrf=token, **context)
    csrf.set_cookie(response, new_cookie, secure=request.url.scheme == "https")
    return response


async def load(store: EventStore, stream: str) -> tuple[Grievance, int]:
    events = await store.read_stream(stream)
    return fold([e.data for e in events]), len(events)
