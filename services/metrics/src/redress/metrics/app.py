"""Wiring of the metrics service."""

from __future__ import annotations

from pathlib import Path

from redress.kit.service import ServiceSpec
from redress.metrics.projections import GrievanceCounts

service = ServiceSpec(
    name="metrics",
    title="Metrics",
    migrations=Path(__file__).parent / "migrations",
    projections=lambda: [GrievanceCounts()],
)
