"""Wiring of the referral service."""

from __future__ import annotations

from pathlib import Path

from redress.kit.console import LoginRequired, to_login
from redress.kit.service import ServiceSpec
from redress.kit.webhooks import MIGRATIONS
from redress.kit.webhooks.service import delivery
from redress.referral import (
    admin_alerts,
    api,
    console,
    console_deliveries,
    console_directory,
    console_forms,
    context,
    deliveries_api,
    directory_api,
    partner_api,
)
from redress.referral.delivery import PartnerWebhooks
from redress.referral.policies import OpenReferrals
from redress.referral.projections import ReferralViews
from redress.referral.retirement import RetiredPartners

service = ServiceSpec(
    name="referral",
    title="Referral",
    migrations=Path(__file__).parent / "migrations",
    embedded=[MIGRATIONS],  # the webhook outbox, in the referral schema
    routers=[api.router, partner_api.router, directory_api.router, deliveries_api.router],
    pages=[
        console.router,
        console_forms.router,
        console_directory.router,
        console_deliveries.router,
    ],
    exception_handlers={LoginRequired: to_login},
    refusal_pages=[console.CONSOLE.refusal_page],
    projections=lambda settings: [
        OpenReferrals(),
        ReferralViews(),
        PartnerWebhooks(settings),
        RetiredPartners(),
    ],
    startup=[context.start],
    # The delivery worker queues an alert to admins of each endpoint it disables and each
    # delivery it gives up, in the transaction that records it (ADR 46).
    background=[
        context.run_overdue,
        delivery("referral", **admin_alerts.HOOKS),
        admin_alerts.send_admin_alerts,
    ],
    checks=[context.check],
)
