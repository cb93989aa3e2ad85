"""A lost receipt, at the hotline desk: the operator types the number the worker gave, and
the API's code (`operator_api.reissue_by_text`) texts a new secret to it if a report allowing
contact was filed with it. The page says the same words whatever happened, as the API does:
the operator learns nothing, not even whether the number matched.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from redress.intake.context import IntakeContext
from redress.intake.desk import CONSOLE, PATH, duration
from redress.intake.filing import tenant_name
from redress.intake.operator_api import REISSUED, Reissue, reissue_by_text
from redress.kit import console
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.deps import Pool, Store
from redress.kit.errors import Problem

router = APIRouter(prefix=PATH, include_in_schema=False, route_class=CONSOLE.route)
Reissuing = Annotated[Principal, Depends(CONSOLE.signed_in(Action.receipt_reissue))]


def _form(request: Request, p: Principal, status: int = 200, **context: object) -> Response:
    sent = request.query_params.get("done") == "sent" and status == 200
    defaults = {"error": None, "phone": "", "notice": REISSUED if sent else None}
    return CONSOLE.page(request, "reissue.html", status, principal=p, **(defaults | context))


@router.get("/reissue")
async def reissue_form(request: Request, p: Reissuing) -> Response:
    return _form(request, p)


@router.post("/reissue")
async def reissue(
    request: Request, p: Reissuing, pool: Pool, store: Store, intake: IntakeContext
) -> Response:
    posted = await CONSOLE.form(request)
    phone = console.field(posted, "phone") or ""
    try:
        body = Reissue.model_validate({"phone": phone})
        async with pool.acquire() as conn, conn.transaction():
            await tenant_name(conn, p.tenant)
            await reissue_by_text(conn, pool, store, intake, p, body)
    except ValidationError as exc:
        said = console.fields_of(exc, ("phone",), {"phone": "Phone number"}).get("phone")
        return _form(request, p, 422, error=said or console.describe(exc), phone=phone)
    except Problem as exc:
        if exc.status != 429:
            raise
        wait = int((exc.headers or {}).get("Retry-After", "60"))
        said = f"A new secret was sent to this number just now: wait {duration(wait)}."
        page = _form(request, p, 429, error=said, phone=phone)
        page.headers.update(exc.headers or {})
        return page
    return RedirectResponse(f"{PATH}/reissue?done=sent", status_code=303)
