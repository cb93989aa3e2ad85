"""Wiring of the cases service."""

from __future__ import annotations

from pathlib import Path

from redress.cases import (
    api,
    appeals_api,
    attachments,
    console,
    console_forms,
    console_render,
    context,
    evidence_api,
    holds_api,
    mailer,
    member_console,
    member_console_forms,  # noqa: F401  (its forms join member_console.router)
    plan_actions_api,
    remedies_api,
    remedies_console,  # noqa: F401  (its forms join console_forms.router)
    supervision,
    supply_chain_api,
    supply_chain_console,
    supply_chain_console_forms,
    verification_api,
)
from redress.cases.alerts import Alerts
from redress.cases.attachments import CaseAttachments
from redress.cases.mail_alerts import MailAlerts
from redress.cases.policies import OpenCases
from redress.cases.projections import CaseViews
from redress.cases.remedies_views import CaseRemedies
from redress.cases.supply_chain_views import SupplyChainViews
from redress.kit.idempotency import key_sweeper
from redress.kit.service import ServiceSpec

service = ServiceSpec(
    name="cases",
    title="Cases",
    migrations=Path(__file__).parent / "migrations",
    routers=[
        api.router,
        api.indicators_router,
        holds_api.router,
        appeals_api.router,
        supervision.router,
        supply_chain_api.router,
        verification_api.router,
        evidence_api.router,
        attachments.router,
        remedies_api.router,
        plan_actions_api.router,
    ],
    pages=[
        console.router,
        console_forms.router,
        attachments.console_router,
        supply_chain_console.router,
        supply_chain_console_forms.router,
        member_console.router,
        evidence_api.console_router,
    ],
    exception_handlers={console.LoginRequired: console.to_login},
    projections=lambda: [
        OpenCases(),
        CaseViews(),
        SupplyChainViews(),
        CaseAttachments(),
        CaseRemedies(),
        Alerts(),
        MailAlerts(),
    ],
    startup=[context.start],
    background=[context.run_deadlines, mailer.send_alerts, key_sweeper("cases")],
    checks=[context.check],
    large_body_paths=evidence_api.UPLOADS,
    large_body_bytes=evidence_api.BODY_BYTES,
    refusal_pages=[console_render.CONSOLE.refusal_page, member_console.MEMBER.refusal_page],
)
