"""Wiring of the referral service."""

from __future__ import annotations

from pathlib import Path

from redress.kit.service import ServiceSpec
from redress.referral import api, context, directory_api, partner_api
from redress.referral.policies import OpenReferrals
from redress.referral.projections import ReferralViews

service = ServiceSpec(
    name="referral",
    title="Referral",
    migrations=Path(__file__).parent / "migrations",
    routers=[api.router, partner_api.router, directory_api.router],
    projections=lambda: [OpenReferrals(), ReferralViews()],
    startup=[context.start],
    background=[context.run_overdue],
    checks=[context.check],
)
