"""Wiring of the assessment service."""

from __future__ import annotations

from pathlib import Path

from redress.kit.service import ServiceSpec

service = ServiceSpec(
    name="assessment",
    title="Assessment",
    migrations=Path(__file__).parent / "migrations",
)
