"""Which partners to suggest for a referral, best first, and why.

Those serving the worker's country come first, then those handling the case's indicators
(and its category), then those speaking the worker's language. Where the reasons include an
indicator of trafficking or forced labour, the national referral mechanism of the worker's
country comes before all (Recommendation 27: the State's mechanism must be told, with the
worker's consent and safety first). Retired partners are never suggested.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from redress.events.catalogue.partner import PartnerKind
from redress.referral.directory import Partner

CHILD_LABOUR = "child_labour"


@dataclass(frozen=True)
class Case:
    """What the ranking knows of the case (no personal data)."""

    country: str | None
    reasons: tuple[str, ...]
    category: str
    language: str


@dataclass(frozen=True)
class Suggestion:
    partner_id: str
    why: tuple[str, ...]
    """`national_referral_mechanism`, `serves_country`, `handles:<code>`, `speaks_language`."""


def trafficking(reasons: Iterable[str]) -> bool:
    """Whether the reasons for referral include trafficking or forced labour (not only a child
    at work, which goes to child protection)."""
    return any(r != CHILD_LABOUR for r in reasons)


def suggest(partners: Iterable[Partner], case: Case) -> list[Suggestion]:
    scored = []
    for partner in partners:
        if partner.retired:
            continue
        card = partner.card
        serves = case.country is not None and case.country in card.countries
        handled = sorted(
            {r for r in case.reasons if r in card.indicators}
            | ({case.category} if case.category in card.categories else set())
        )
        speaks = case.language in card.languages
        nrm = (
            serves
            and card.kind is PartnerKind.national_referral_mechanism
            and trafficking(case.reasons)
        )
        why = (
            *(("national_referral_mechanism",) if nrm else ()),
            *(("serves_country",) if serves else ()),
            *(f"handles:{code}" for code in handled),
            *(("speaks_language",) if speaks else ()),
        )
        key = (
            not nrm,
            not serves,
            -len(handled),
            not speaks,
            card.name.casefold(),
            card.partner_id,
        )
        scored.append((key, Suggestion(card.partner_id, why)))
    return [s for _, s in sorted(scored, key=lambda pair: pair[0])]
