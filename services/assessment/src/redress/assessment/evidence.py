"""The platform's evidence beside a member's answers, and the answers it contradicts.

Figures come from `MemberFacts` over the 12 months before the assessment was submitted (or
before now, for a draft). Breakdowns that could single out a worker (channel, language)
never show a count below the tenant's minimum count k (`minimum_count`, from its tenant
stream's `MinimumCountSet`, shared with metrics): small cells are merged into `other` until
it too reaches k. Which answers a figure contradicts is the framework's data (`[[rules]]`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redress.assessment.frameworks import Framework
from redress.assessment.frameworks.model import Figure
from redress.assessment.scoring import Given
from redress.events.catalogue.assessment import AnswerValue
from redress.events.catalogue.tenant import MINIMUM_COUNT
from redress.events.store import Conn

WINDOW = timedelta(days=365)


@dataclass(frozen=True)
class Share:
    count: int
    of: int

    @property
    def value(self) -> float | None:
        return self.count / self.of if self.of else None


Shares = Mapping[Figure, Share]


def contradicted(framework: Framework, answers: Mapping[str, Given], figures: Shares
                 ) -> list[dict[str, Any]]:  # fmt: skip
    """The answers of "met" that a figure of the platform contradicts, pure."""
    flags = []
    for rule in framework.rules:
        given, share = answers.get(rule.criterion), figures.get(rule.figure)
        if given is None or given.answer is not AnswerValue.met or share is None:
            continue
        if share.of >= rule.min_cases and share.value is not None and share.value < rule.below:
            flags.append({"criterion": rule.criterion, "figure": rule.figure.value,
                          "value": round(share.value, 3), "count": share.count,
                          "cases": share.of, "below": rule.below})  # fmt: skip
    return flags


async def minimum_count(conn: Conn, tenant: str) -> int:
    """The tenant's k as its tenant stream last set it (5 until an admin sets it)."""
    k = await conn.fetchval(
        "SELECT minimum_count FROM assessment.facts_tenants WHERE tenant = $1", tenant
    )
    return int(k) if k is not None else MINIMUM_COUNT


def merged(counts: Mapping[str, int], k: int = MINIMUM_COUNT) -> dict[str, int]:
    """A breakdown with no cell under k: the smallest cells go into `other` until it has k."""
    cells = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]))
    other = 0
    while cells and (cells[0][1] < k or 0 < other < k):
        other += cells.pop(0)[1]
    shown = dict(sorted(cells, key=lambda kv: (-kv[1], kv[0])))
    return shown | ({"other": other} if other else {})


_FIGURES = """
SELECT count(*) AS received,
       min(c.opened_at) AS first_received, max(c.opened_at) AS last_received,
       count(*) FILTER (WHERE c.ack_due IS NOT NULL AND (c.acknowledged_at IS NOT NULL
                        OR c.ack_due < ($4 AT TIME ZONE tz.zone)::date)) AS ack_cases,
       count(*) FILTER (WHERE c.acknowledged_at IS NOT NULL
                        AND (c.acknowledged_at AT TIME ZONE tz.zone)::date <= c.ack_due) AS ack_on_time,
       count(*) FILTER (WHERE c.plan_actions > 0) AS with_plan,
       coalesce(sum(c.plan_actions), 0) AS plan_actions,
       count(*) FILTER (WHERE c.closed_at IS NOT NULL) AS closed,
       count(*) FILTER (WHERE c.closed_at IS NOT NULL AND c.satisfaction_at >= c.closed_at)
           AS satisfaction,
       count(*) FILTER (WHERE c.closed_at IS NOT NULL AND c.lessons_at IS NOT NULL) AS lessons
FROM assessment.facts_cases c,
     LATERAL (SELECT coalesce((SELECT time_zone FROM assessment.facts_tenants
                               WHERE tenant = c.tenant), 'UTC') AS zone) tz
WHERE c.tenant = $1 AND c.org = $2 AND c.opened_at > $3 AND c.opened_at <= $4
"""  # noqa: E501
_BY = """
SELECT {column} AS cell, count(*) AS n FROM assessment.facts_cases c
LEFT JOIN assessment.facts_channels g USING (grievance_id)
WHERE c.tenant = $1 AND c.org = $2 AND c.opened_at > $3 AND c.opened_at <= $4
GROUP BY 1
"""


async def facts(conn: Conn, tenant: str, org: str, as_of: datetime
                ) -> tuple[dict[str, Any], Shares]:  # fmt: skip
    """The member's facts as JSON, and the figures rules are checked against."""
    since = as_of - WINDOW
    k = await minimum_count(conn, tenant)
    row = await conn.fetchrow(_FIGURES, tenant, org, since, as_of)
    assert row is not None
    by = {}
    for name, column in (("channel", "coalesce(g.channel, 'unknown')"), ("language", "c.language")):
        rows = await conn.fetch(_BY.format(column=column), tenant, org, since, as_of)
        by[name] = merged({r["cell"]: r["n"] for r in rows}, k)
    figures = {
        Figure.acknowledged_on_time: Share(row["ack_on_time"], row["ack_cases"]),
        Figure.satisfaction_recorded: Share(row["satisfaction"], row["closed"]),
        Figure.lessons_recorded: Share(row["lessons"], row["closed"]),
    }
    shown = {
        "since": since.isoformat(), "as_of": as_of.isoformat(), "minimum_count": k,
        "received": row["received"],
        "first_received": row["first_received"] and row["first_received"].isoformat(),
        "last_received": row["last_received"] and row["last_received"].isoformat(),
        "by_channel": by["channel"], "by_language": by["language"],
        "plans": {"cases_with_plan": row["with_plan"], "actions": row["plan_actions"]},
        "figures": {f.value: {"count": s.count, "of": s.of,
                              "value": None if s.value is None else round(s.value, 3)}
                    for f, s in figures.items()},
    }  # fmt: skip
    return shown, figures


async def initiative(conn: Conn, tenant: str, framework: Framework) -> dict[str, Any]:
    """What the platform holds on the initiative's own mechanism, beside its questions."""
    tenant_row = await conn.fetchrow(
        "SELECT languages, time_frames, time_zone FROM assessment.facts_tenants WHERE tenant = $1",
        tenant,
    )
    partners = await conn.fetch(
        "SELECT country, count(*) AS n FROM assessment.facts_partners, unnest(countries) country "
        "WHERE tenant = $1 AND NOT retired GROUP BY country ORDER BY country",
        tenant,
    )
    members = await conn.fetchval(
        "SELECT count(*) FROM assessment.facts_members WHERE tenant = $1", tenant
    )
    assessed = await conn.fetchval(
        "SELECT count(DISTINCT org) FROM assessment.assessments WHERE tenant = $1 "
        "AND org <> '' AND status = 'final'",
        tenant,
    )
    releases = await conn.fetch(
        "SELECT number, period, corrects, published_at FROM assessment.facts_releases "
        "WHERE tenant = $1 ORDER BY number",
        tenant,
    )
    frames = tenant_row["time_frames"] if tenant_row else None
    bears_on: dict[str, list[str]] = {}
    for shown in framework.facts:
        bears_on.setdefault(shown.criterion, []).append(shown.fact.value)
    return {
        "languages_offered": list(tenant_row["languages"]) if tenant_row else [],
        # The worker form takes a report with no name or contact; that is how it is built.
        "anonymous_channel": True,
        "time_frames": json.loads(frames) if isinstance(frames, str) else frames,
        "partners_by_country": {r["country"]: r["n"] for r in partners},
        "members_assessed": {"members": members, "with_agreed_rating": assessed},
        "figures_published": published(releases),
        "time_zone": tenant_row["time_zone"] if tenant_row else "UTC",
        "bears_on": bears_on,
    }


def published(releases: list[Any]) -> dict[str, Any]:
    """The initiative's releases of figures (R26): how many, the periods they cover, how many
    corrected an earlier one, and the latest (None before the first)."""
    latest = releases[-1] if releases else None
    return {
        "releases": len(releases),
        "periods": sorted({r["period"] for r in releases}),
        "corrections": sum(1 for r in releases if r["corrects"]),
        "latest": latest and {"number": latest["number"], "period": latest["period"],
                              "published_at": latest["published_at"].isoformat()},
    }  # fmt: skip
