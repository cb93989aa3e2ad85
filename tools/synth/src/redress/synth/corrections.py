"""Grievances an officer corrects: some filed by text message, phone or web under the wrong
type, corrected through the case work's own handler soon after they are filed.

Deterministic (no draw from the plan's random numbers): every 25th grievance of those
channels that has a step after its filing, and is not referred to a support service, gets a
`correct` step halfway between the two. Its
plan then holds the corrected type as `category` (what every figure counts, in every
period) and what it was filed as in `filed_category`.
"""

from __future__ import annotations

from redress.synth.plan import GrievancePlan, Step

EVERY = 25
CHANNELS = frozenset({"sms", "hotline", "web"})


def corrected_type(category: str) -> str:
    return "wages_and_benefits" if category != "wages_and_benefits" else "working_hours"


def miscategorise(grievances: list[GrievancePlan]) -> None:
    for g in grievances:
        if g.index % EVERY or g.channel not in CHANNELS or len(g.steps) < 2 or g.partner:
            continue  # (a grievance referred to a partner keeps its type: its referral follows)
        filed, after = g.steps[0], g.steps[1]
        g.filed_category, g.category = g.category, corrected_type(g.category)
        g.steps.insert(1, Step(filed.at + (after.at - filed.at) / 2, "correct", g.category))
