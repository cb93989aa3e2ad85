"""Wiring of the cases service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from redress.cases import api, console, context, holds_api, supervision
from redress.cases.policies import OpenCases
from redress.cases.projections import CaseViews
from redress.kit.service import ServiceSpec, create_service_app
from redress.kit.settings import Settings

service = ServiceSpec(
    name="cases",
    title="Cases",
    migrations=Path(__file__).parent / "migrations",
    routers=[
        api.router,
        api.indicators_router,
        holds_api.router,
        supervision.router,
        console.router,
    ],
    projections=lambda: [OpenCases(), CaseViews()],
    startup=[context.start],
    background=[context.run_deadlines],
    checks=[context.check],
)


def create_app(settings: Settings | None = None) -> FastAPI:
    app = create_service_app(service, settings)
    console.install(app)
    return app
