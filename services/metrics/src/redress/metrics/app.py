"""Wiring of the metrics service."""

from __future__ import annotations

from pathlib import Path

from redress.kit.idempotency import key_sweeper
from redress.kit.service import ServiceSpec
from redress.metrics import (
    api,
    dashboards,
    dashboards_api,
    guide_pages,
    officer_page,
    pages,
    public,
    public_pages,
    publishing,
    releases_page,
)
from redress.metrics.actions import Actions
from redress.metrics.callbacks import Callbacks
from redress.metrics.facts import Facts
from redress.metrics.projections import GrievanceCounts

service = ServiceSpec(
    name="metrics",
    title="Metrics",
    migrations=Path(__file__).parent / "migrations",
    routers=[api.router, dashboards_api.router, public.router],
    pages=[
        pages.router,
        guide_pages.router,
        dashboards.router,
        dashboards.member_router,
        officer_page.router,
        releases_page.router,
    ],
    exception_handlers={dashboards.LoginRequired: dashboards.to_login},
    refusal_pages=[dashboards.CONSOLE.refusal_page, public_pages.refused_before_routing],
    startup=[pages.start, dashboards.start],
    checks=[dashboards.check],
    projections=lambda: [GrievanceCounts(), Facts(), Callbacks(), Actions()],
    background=[
        key_sweeper("metrics"),
        publishing.keep_publishing,
        publishing.forget_ended_publications,
    ],
)
