"""Wiring of the intake service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from redress.intake import (
    admin_pages,
    api,
    callbacks_api,
    context,
    housekeeping,
    seed,
    sms,
    tenant_api,
    web_actions,
    web_receipt,
    web_report,
    web_status,
    web_verify,
)
from redress.intake.campaigns import Campaigns
from redress.intake.projections import Grievances
from redress.kit.service import ServiceSpec, create_service_app
from redress.kit.settings import Settings

service = ServiceSpec(
    name="intake",
    title="Intake",
    migrations=Path(__file__).parent / "migrations",
    routers=[
        api.router,
        admin_pages.router,
        callbacks_api.router,
        tenant_api.router,
        sms.router,
        web_report.router,
        web_receipt.router,
        web_status.router,
        web_actions.router,
        web_verify.router,
    ],
    projections=lambda: [Grievances(), Campaigns()],
    startup=[context.start, callbacks_api.start, housekeeping.start],
    background=[housekeeping.run_retention, housekeeping.run_rotation, context.forget_clients],
    checks=[context.check],
    seed=seed.seed_demo,
    # The report form carries up to five files of 10 MB.
    large_body_paths=r"^/t/[^/]+/report$",
    large_body_bytes=52_000_000,
    # Filings go to the log in PostgreSQL; the relay publishes them once NATS is back.
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(service, settings)
