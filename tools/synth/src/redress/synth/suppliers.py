"""Consequences for suppliers, decided through the case work's own handler: what the
callback programme's figures count as suppliers with corrective action, suspended or exited.

Deterministic (no draw from the plan's random numbers, so the rest of the history is the
same as without them): the world's sites in turn get a corrective action; a corrective
action then a suspension; an exit; nothing. Each cites the middle one of the grievances filed
at the site (a site with fewer than six gets none), and is decided 20 days after it was
received (a second one 45 days after the first).
"""

from __future__ import annotations

from collections import defaultdict
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from redress.cases import supply_chain_handlers as chain
from redress.cases.policies import case_stream
from redress.events.catalogue.supply_chain import Consequence, SupplierConsequenceDecided
from redress.synth.plan import Plan
from redress.synth.world import SITES

SEQUENCES: tuple[tuple[Consequence, ...], ...] = (
    (Consequence.corrective_action,),
    (Consequence.corrective_action, Consequence.suspension),
    (Consequence.exit,),
    (),
)
FEWEST = 6  # grievances at a site before a consequence is decided for it
AFTER, GAP = timedelta(days=20), timedelta(days=45)


@dataclass(frozen=True)
class Decided:
    """A consequence as the generator decided it, with the day the case work recorded."""

    site: str
    country: str
    consequence: str
    decided_on: date


async def decide(generator: Any, plan: Plan, now: ContextVar[datetime | None]) -> list[Decided]:
    filed: dict[str, list[Any]] = defaultdict(list)
    for g in plan.grievances:
        if g.site is not None:
            filed[g.site.site_id].append(g)
    found = []
    for i, site in enumerate(SITES):
        sequence = SEQUENCES[i % len(SEQUENCES)]
        at_site = sorted(filed.get(site.site_id, ()), key=lambda g: g.received)
        if not sequence or len(at_site) < FEWEST:
            continue
        cited = at_site[len(at_site) // 2]
        for j, consequence in enumerate(sequence):
            now.set(cited.received + AFTER + j * GAP)
            done = await chain.decide_consequence(
                generator.cases, generator.officer, site.site_id, consequence,
                "Synthetic consequence", [case_stream(cited.grievance_id)], ["Synthetic step"],
            )  # fmt: skip
            last = (await generator.store.read_stream(done.stream))[-1].data
            assert isinstance(last, SupplierConsequenceDecided)
            found.append(Decided(site.site_id, site.country, last.consequence.value,
                                 last.decided_on))  # fmt: skip
    return found
