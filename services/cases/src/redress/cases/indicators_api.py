"""The cases API's risk indicators: the vocabulary an officer triages with."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from redress.cases import domain as d
from redress.cases import read_answers as answers
from redress.cases.access import Reader
from redress.events.catalogue.indicators import ALIASES, VOCABULARY
from redress.kit.openapi import documented
from redress.kit.text import Line


def _suggestions(category: str) -> list[str]:
    return list(d.SUGGESTED.get(category, ()))


router = APIRouter(prefix="/v1", tags=["cases"])


@router.get(
    "/indicators",
    responses=documented(answers.Indicators, "The risk indicators, and those suggested"),
)
async def indicators(
    request: Request, p: Reader, category: Annotated[Line | None, Query(max_length=50)] = None
) -> dict[str, Any]:
    """The risk indicators an officer may record, and those the category suggests (staff).

    `vocabulary` maps each to the Recommendation 3 benchmark (1-17) and the ILO indicator of
    forced labour it stands for (null where it has none); `aliases` are older codes still
    accepted, recorded under the code they name.
    """
    return {
        "known": sorted(d.KNOWN_INDICATORS),
        "suggested": _suggestions(category or ""),
        "vocabulary": [asdict(i) for i in VOCABULARY],
        "aliases": ALIASES,
    }
