"""The public pages that say how to read the figures: the data dictionary as a page in the
reader's language (its JSON, `dictionary.json`, stays for machines and is linked from it),
and how to check that a downloaded release is genuine, linking the keys. Both say what the
docs say (docs/metrics.md, "Verifying a release"), for someone who reads no JSON."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from redress.kit.caching import page_headers
from redress.metrics import labels
from redress.metrics.pages import Pages, language, masthead, number, render
from redress.metrics.public import Tenant
from redress.metrics.public_pages import FiguresRoute
from redress.tenancy.handlers import read_tenant

router = APIRouter(prefix="/t/{tenant}/figures", include_in_schema=False, route_class=FiguresRoute)

# The check, as a reader runs it on the files downloaded: Python's JSON, keys sorted, no
# whitespace and whole numbers without ".0", is the release's canonical form (RFC 8785) for
# what a release holds (integers, and decimals such as 2.5, never with an exponent);
# `tests/metrics/test_guide_pages.py` runs it on a release and a noisy one.
CHECK = """pip install cryptography
python3 - release.json keys.json <<'END'
import base64, json, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
# A number is written as RFC 8785 writes it: 1.0 as 1.
number = lambda text: int(float(text)) if float(text).is_integer() else float(text)
release = json.load(open(sys.argv[1], encoding="utf-8"), parse_float=number)
keys = json.load(open(sys.argv[2], encoding="utf-8"))["keys"]
signature = release["signature"]
key = next(k for k in keys if k["kid"] == signature["kid"])
raw = lambda text: base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
document = json.dumps(release["document"], sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()
Ed25519PublicKey.from_public_bytes(raw(key["x"])).verify(raw(signature["value"]), document)
print("genuine")
END"""


@router.get("/dictionary", response_class=HTMLResponse)
async def dictionary_page(tenant: Tenant, request: Request, shelf: Pages) -> HTMLResponse:
    """What each section of a release counts, what each code of the downloads means, and
    how the figures protect workers, in the reader's language."""
    name, offered = await masthead(request, tenant)
    lang = language(request, offered)
    _ = shelf.catalogues.get(lang).gettext
    async with request.app.state.runtime.pool.acquire() as conn:
        k = (await read_tenant(conn, tenant)).minimum_count
    sections = [(_(title), _(labels.SAYS[key]), names)
                for key, (title, names) in labels.SECTIONS.items()]  # fmt: skip
    codes = {dim: [(code, _(word)) for code, word in words.items()]
             for dim, words in labels.VALUES.items()}  # fmt: skip
    html = render(shelf, "figures_dictionary.html", lang, name, offered, tenant=tenant,
                  sections=sections, codes=codes, k=k,
                  number=lambda v: number(v, lang))  # fmt: skip
    return HTMLResponse(html, headers=page_headers())


@router.get("/verify", response_class=HTMLResponse)
async def verify_page(tenant: Tenant, request: Request, shelf: Pages) -> HTMLResponse:
    """How to check a downloaded release against the initiative's public keys."""
    name, offered = await masthead(request, tenant)
    lang = language(request, offered)
    html = render(shelf, "figures_verify.html", lang, name, offered, tenant=tenant, check=CHECK)
    return HTMLResponse(html, headers=page_headers())
