"""The release document: what is signed, published for download, and verified by anyone.

A plain JSON object (docs/metrics.md, "Releases"); its signature is over its RFC 8785
canonical bytes. A signed release travels as `{"document": {...}, "signature": {...}}`, and
`verify_release` checks one against the tenant's published keys.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from redress.kit.signing import verify
from redress.metrics.disclosure import Published, PublishedStatistic, PublishedTable

FORMAT = "redress-release/1"


def build(
    *,
    tenant: str,
    release_id: str,
    number: int,
    period: str,
    published_at: datetime,
    corrects: str | None,
    figures: Published,
    noise: dict[str, Any] | None,
    key_id: str,
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "tenant": tenant,
        "release": release_id,
        "number": number,
        "period": period,
        "published": _utc(published_at),
        "corrects": corrects,
        "disclosure": {"k": figures.k, "noise": noise},
        **published_json(figures),
        "key": key_id,
    }


def published_json(figures: Published) -> dict[str, Any]:
    """The tables and statistics disclosure control let through, as a release shows them."""
    return {
        "tables": [_table(t) for t in figures.tables],
        "statistics": [_statistic(s) for s in figures.statistics],
    }


def _utc(moment: datetime) -> str:
    if moment.utcoffset() is None:
        raise ValueError("a release's time must carry its offset")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cells(cells: Any) -> list[dict[str, Any]]:
    return [{"key": list(key), "count": count} for key, count in cells.items()]


def _table(t: PublishedTable) -> dict[str, Any]:
    return {
        "name": t.name,
        "measure": t.measure,
        "additive": t.additive,
        "guarded": t.guarded,
        "dimensions": list(t.dimensions),
        "values": {d: list(v) for d, v in t.values.items()},
        "cells": _cells(t.cells),
        "margins": [
            {"dimensions": list(dims), "cells": _cells(cells)} for dims, cells in t.margins.items()
        ],
    }


def _statistic(s: PublishedStatistic) -> dict[str, Any]:
    rows = [{"key": list(key), "figures": None if figures is None else dict(figures)}
            for key, figures in s.rows.items()]  # fmt: skip
    return {"name": s.name, "dimensions": list(s.dimensions), "rows": rows}


def verify_release(
    signed: dict[str, Any] | str, keys: list[dict[str, Any]] | dict[str, Any]
) -> bool:
    """Whether a signed release (`{"document", "signature"}`, or its JSON text) was signed
    by one of `keys` (the tenant's published JWKs, or the JWK Set `/keys` answers with
    them) and is unchanged since."""
    if isinstance(keys, dict):
        keys = keys.get("keys", [])
    if not isinstance(keys, list) or not all(isinstance(k, dict) for k in keys):
        return False
    if isinstance(signed, str):
        try:
            signed = json.loads(signed)
        except ValueError:
            return False
    if not isinstance(signed, dict):
        return False
    document, signature = signed.get("document"), signed.get("signature")
    if not isinstance(document, dict) or not isinstance(signature, dict):
        return False
    if document.get("key") != signature.get("kid"):
        return False
    return verify(document, signature, keys)


def tables_of(document: dict[str, Any]) -> tuple[PublishedTable, ...]:
    """The tables of a release document, as disclosure control published them."""

    def layer(cells: list[dict[str, Any]]) -> dict[tuple[str, ...], int | None]:
        return {tuple(c["key"]): c["count"] for c in cells}

    return tuple(
        PublishedTable(
            name=t["name"],
            measure=t["measure"],
            dimensions=tuple(t["dimensions"]),
            values={d: tuple(v) for d, v in t["values"].items()},
            cells=layer(t["cells"]),
            margins={tuple(m["dimensions"]): layer(m["cells"]) for m in t["margins"]},
            additive=bool(t.get("additive", False)),
            guarded=t.get("guarded"),
        )
        for t in document["tables"]
    )
