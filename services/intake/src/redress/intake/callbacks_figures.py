"""The figures of callback campaigns, per site, per country and in total."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from redress.intake.callbacks_api import Auditor, DeskContext, caught_up, not_yet
from redress.intake.callbacks_commands import CampaignFigures, CountryFigures, Figures, SiteFigures
from redress.kit.countries import Country
from redress.kit.dates import PlausibleDate
from redress.kit.deps import Pool
from redress.kit.openapi import MinVersion

router = APIRouter(prefix="/v1", tags=["callbacks"])

_FIGURES = """
SELECT GROUPING(c.site_id) AS by_country, GROUPING(c.country) AS in_total,
       c.site_id, c.country, max(s.name) AS name,
       count(DISTINCT c.audit_id) AS audits,
       count(*) AS scheduled,
       count(*) FILTER (WHERE c.due_on <= $2) AS due,
       count(*) FILTER (WHERE c.due_on <= $2 AND c.completed_at IS NULL) AS outstanding,
       count(*) FILTER (WHERE c.completed_at IS NOT NULL) AS completed,
       count(*) FILTER (WHERE c.reached) AS reached,
       count(*) FILTER (WHERE c.retaliation_reported) AS retaliation_reports,
       count(*) FILTER (WHERE c.grievance_id IS NOT NULL) AS grievances_raised,
       count(*) FILTER (WHERE c.completed_at IS NOT NULL AND NOT c.reached) AS unreached,
       count(*) FILTER (WHERE c.completed_at IS NULL AND c.attempts > 0) AS retrying,
       coalesce(sum(c.attempts), 0) AS calls
FROM intake.callbacks c
JOIN intake.audits a ON a.audit_id = c.audit_id
LEFT JOIN intake.sites s ON s.tenant = c.tenant AND s.site_id = c.site_id
WHERE c.tenant = $1
  AND ($3::text IS NULL OR c.country = $3)
  AND ($4::date IS NULL OR a.audit_date >= $4)
  AND ($5::date IS NULL OR a.audit_date <= $5)
GROUP BY GROUPING SETS ((c.country, c.site_id), (c.country), ())
ORDER BY c.country, c.site_id
"""
_COUNTS = tuple(Figures.model_fields)


@router.get("/campaigns/figures", response_model=CampaignFigures)
async def campaign_figures(
    principal: Auditor,
    pool: Pool,
    desk: DeskContext,
    country: Annotated[Country | None, Query()] = None,
    audited_from: Annotated[PlausibleDate | None, Query()] = None,
    audited_to: Annotated[PlausibleDate | None, Query()] = None,
    stream: Annotated[str | None, Query(pattern=r"^audit-[0-9a-f-]{36}$")] = None,
    min_version: MinVersion = None,
) -> Any:
    """Callbacks scheduled, due, made; workers reached; retaliation; grievances: per site,
    per country and in total, for audits between `audited_from` and `audited_to`."""
    if not await caught_up(pool, stream, min_version):
        return not_yet()
    today = desk.today()
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            _FIGURES, principal.tenant, today, country, audited_from, audited_to
        )
    sites, countries = [], []
    total = Figures(**dict.fromkeys(_COUNTS, 0))
    for row in rows:
        counts = {k: row[k] for k in _COUNTS}
        if row["in_total"]:
            total = Figures(**counts)
        elif row["by_country"]:
            countries.append(CountryFigures(country=row["country"], **counts))
        else:
            sites.append(
                SiteFigures(
                    site_id=row["site_id"], name=row["name"], country=row["country"], **counts
                )
            )
    return CampaignFigures(today=today, sites=sites, countries=countries, total=total)
