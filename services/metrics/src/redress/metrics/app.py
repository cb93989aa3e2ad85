"""Wiring of the metrics service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from redress.kit.service import ServiceSpec, create_service_app
from redress.kit.settings import Settings
from redress.metrics.projections import GrievanceCounts

service = ServiceSpec(
    name="metrics",
    title="Metrics",
    migrations=Path(__file__).parent / "migrations",
    projections=lambda: [GrievanceCounts()],
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(service, settings)
