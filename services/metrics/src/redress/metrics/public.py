"""The public figures, without login: a tenant's releases, each as its signed JSON document
and as CSV, and the keys to verify them (docs/metrics.md, "Verifying a release").

Only what disclosure control let through is here: the documents are the releases exactly
as signed and recorded; nothing is computed on a request.
"""

from __future__ import annotations

import csv
import io
import json
import pathlib
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from redress.events.catalogue.release import ReleasePublished
from redress.kit.deps import Pool, Store
from redress.kit.errors import Problem
from redress.kit.keyset import root_secret
from redress.kit.openapi import answers
from redress.metrics.dictionary import dictionary
from redress.metrics.history import floors
from redress.metrics.releases import handlers
from redress.metrics.releases.document import tables_of
from redress.tenancy.handlers import read_tenant

router = APIRouter(prefix="/t/{tenant}/figures", tags=["public figures"])
Tenant = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
ReleaseId = Annotated[
    str, Path(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
]
SCHEMA: dict[str, Any] = json.loads(
    (pathlib.Path(__file__).parent / "release.schema.json").read_text(encoding="utf-8")
)
CSV_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "the CSV"}
}


async def _known(pool: Pool, tenant: str) -> None:
    async with pool.acquire() as conn:
        if (await read_tenant(conn, tenant)).settings is None:
            raise Problem(404, "not-found", f"there is no initiative {tenant!r}")


async def _release(store: Store, pool: Pool, tenant: str, release_id: str) -> ReleasePublished:
    await _known(pool, tenant)
    found = [r for r in await handlers.releases(store, tenant) if r.release_id == release_id]
    if not found:
        raise Problem(404, "not-found", f"{tenant} has no release {release_id}")
    return found[0]


@router.get("/releases", responses=answers(404))
async def releases(tenant: Tenant, store: Store, pool: Pool) -> dict[str, Any]:
    """Every release of the initiative, in the order published, with the one that corrects
    it, if any, and where to download it."""
    await _known(pool, tenant)
    recorded = await handlers.releases(store, tenant)
    corrected_by = {r.corrects: r.release_id for r in recorded if r.corrects}
    base = f"/t/{tenant}/figures/releases"
    return {
        "items": [
            {
                "release": r.release_id,
                "number": r.number,
                "period": r.period,
                "published": json.loads(r.document)["published"],
                "corrects": r.corrects,
                "corrected_by": corrected_by.get(r.release_id),
                "json": f"{base}/{r.release_id}.json",
                "csv": f"{base}/{r.release_id}.csv",
            }
            for r in recorded
        ],
        "keys": f"/t/{tenant}/figures/keys",
    }


@router.get("/releases/{release_id}.json", responses=answers(404))
async def release_json(
    tenant: Tenant, release_id: ReleaseId, store: Store, pool: Pool, response: Response
) -> dict[str, Any]:
    """The release as signed: `{"document", "signature"}`; verify it with the keys. A file
    to keep, as the CSV is: a reader verifies the very bytes downloaded."""
    signed = handlers.signed_release(await _release(store, pool, tenant, release_id))
    response.headers["Content-Disposition"] = attachment(tenant, signed["document"], "json")
    return signed


@router.get(
    "/releases/{release_id}.csv",
    response_class=Response,
    responses={**CSV_ANSWER, **answers(404)},
)
async def release_csv(tenant: Tenant, release_id: ReleaseId, store: Store, pool: Pool) -> Response:
    """The release's counts and statistics, one per line; an empty count is withheld."""
    document = json.loads((await _release(store, pool, tenant, release_id)).document)
    return Response(
        to_csv(document),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": attachment(tenant, document, "csv")},
    )


def attachment(tenant: str, document: dict[str, Any], extension: str) -> str:
    """Both downloads are saved as files named alike (`acme-2025-Q1-3.json`, `.csv`)."""
    return f'attachment; filename="{tenant}-{document["period"]}-{document["number"]}.{extension}"'


@router.get("/schema.json", responses=answers(404))
async def schema(tenant: Tenant, pool: Pool) -> dict[str, Any]:
    """The JSON Schema of a signed release (draft 2020-12)."""
    await _known(pool, tenant)
    return SCHEMA


@router.get("/dictionary.json", responses=answers(404))
async def data_dictionary(tenant: Tenant, pool: Pool) -> dict[str, Any]:
    """What every table, dimension and figure of a release means, its unit, and how
    suppression and noise apply to it."""
    await _known(pool, tenant)
    return dictionary()


@router.get("/keys", responses=answers(404))
async def keys(tenant: Tenant, request: Request, pool: Pool) -> dict[str, Any]:
    """The initiative's public keys, a JWK Set (Ed25519): every release verifies with one."""
    await _known(pool, tenant)
    root = root_secret(request.app.state.runtime.settings)
    return {"keys": handlers.tenant_keys(root, tenant)}


def to_csv(document: dict[str, Any]) -> str:
    """`name,kind,dimensions,key,figure,value,withheld_at_least`: a table's cells and margins
    (figure `count`, dimensions summed over left out of `dimensions`; a withheld count's
    value empty, and what a reader knows it is at least beside it: 0 or 1, ADR 42), a
    statistic's figures per row."""
    out = io.StringIO()
    write = csv.writer(out, lineterminator="\n").writerow
    write(["name", "kind", "dimensions", "key", "figure", "value", "withheld_at_least"])
    for t, published in zip(document["tables"], tables_of(document), strict=True):
        least = floors(published, t["name"])
        layers = [(t["dimensions"], t["cells"])]
        layers += [(m["dimensions"], m["cells"]) for m in t["margins"]]
        for dims, cells in layers:
            for cell in cells:
                fact = (t["name"], tuple(sorted(zip(dims, cell["key"], strict=True))))
                count, floor = (cell["count"], "") if fact not in least else ("", least[fact])
                write([t["name"], "count", ";".join(dims), ";".join(cell["key"]), "count",
                       count, floor])  # fmt: skip
    for s in document["statistics"]:
        # A withheld row has no figures: it is listed under the figures the others have
        # (`median_days` and `p90_days`), each empty, as a withheld count is.
        names = list(dict.fromkeys(f for row in s["rows"] for f in (row["figures"] or {})))
        for row in s["rows"]:
            figures = row["figures"] or dict.fromkeys(names or [""], "")
            for figure, value in figures.items():
                write([s["name"], "statistic", ";".join(s["dimensions"]),
                       ";".join(row["key"]), figure, value, ""])  # fmt: skip
    return out.getvalue()
