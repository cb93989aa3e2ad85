"""Wiring of the intake service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from redress.kit.service import ServiceSpec, create_service_app
from redress.kit.settings import Settings

service = ServiceSpec(
    name="intake",
    title="Intake",
    migrations=Path(__file__).parent / "migrations",
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(service, settings)
