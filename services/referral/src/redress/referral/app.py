"""Wiring of the referral service."""

from __future__ import annotations

from pathlib import Path

from redress.kit.service import ServiceSpec

service = ServiceSpec(
    name="referral",
    title="Referral",
    migrations=Path(__file__).parent / "migrations",
)
