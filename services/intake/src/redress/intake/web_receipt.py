"""The receipt page: `/t/{tenant}/receipt`, reached by a redirect after filing (POST, 303, GET).

The receipt travels in a sealed cookie scoped to this page and lives five minutes; the page
shows it once and clears it, so that neither a URL, a reload nor the browser's history
holds the secret.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse

from redress.intake import sealed
from redress.intake.context import Intake, IntakeContext
from redress.intake.filing import masthead
from redress.intake.web_common import WorkerRoute, language, page
from redress.kit.deps import Pool

router = APIRouter(include_in_schema=False, route_class=WorkerRoute)

COOKIE = "receipt"
SECONDS = 300
_PURPOSE = "receipt"


def _path(tenant: str) -> str:
    return f"/t/{tenant}/receipt"


def to_receipt(
    request: Request, intake: Intake, tenant: str, lang: str, reference: str, secret: str,
    proof: str,
) -> RedirectResponse:  # fmt: skip
    """A redirect to the receipt page, carrying the receipt in a sealed cookie."""
    response = RedirectResponse(f"{_path(tenant)}?lang={lang}", status_code=303)
    value = {"t": tenant, "r": reference, "s": secret, "p": proof}
    token = sealed.seal(intake.receipt_key, _PURPOSE, value, SECONDS)
    sealed.set_sealed(request, response, COOKIE, token, SECONDS, _path(tenant))
    return response


@router.get("/t/{tenant}/receipt")
async def receipt_page(
    request: Request, tenant: str, intake: IntakeContext, pool: Pool, lang: str | None = None
) -> HTMLResponse:
    lang = language(request, lang)
    async with pool.acquire() as conn:
        name = await masthead(conn, tenant)
    receipt = sealed.unseal(intake.receipt_key, _PURPOSE, request.cookies.get(COOKIE))
    status_url = f"/t/{tenant}/status?lang={lang}"
    if receipt is None or receipt.get("t") != tenant:
        response = page(
            request, intake, "receipt_gone.html", lang, name, status_url=status_url,
            report_url=f"/t/{tenant}/report?lang={lang}",
        )  # fmt: skip
    else:
        secret = str(receipt["s"])
        response = page(
            request, intake, "receipt.html", lang, name, reference=receipt["r"],
            secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            proof=receipt["p"], status_url=status_url,
        )  # fmt: skip
    sealed.clear(request, response, COOKIE, _path(tenant))
    return response
