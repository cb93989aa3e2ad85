"""Wiring of the intake service."""

from __future__ import annotations

from pathlib import Path

from redress.intake import (
    admin_pages,
    api,
    callbacks_api,
    callbacks_figures,
    check_ins_api,
    context,
    housekeeping,
    representative_api,
    seed,
    sms,
    tenant_api,
    tenant_follow_up,
    web_actions,
    web_plan,
    web_procedure,
    web_receipt,
    web_referral,
    web_report,
    web_representation,
    web_status,
    web_verify,
)
from redress.intake.campaigns import Campaigns
from redress.intake.check_ins import CheckIns, ScheduleCheckIns
from redress.intake.projections import Grievances
from redress.intake.referral_requests import ReferralRequests
from redress.intake.representations import Representations
from redress.kit.idempotency import key_sweeper
from redress.kit.service import ServiceSpec

service = ServiceSpec(
    name="intake",
    title="Intake",
    migrations=Path(__file__).parent / "migrations",
    routers=[
        api.router,
        callbacks_api.router,
        callbacks_figures.router,
        check_ins_api.router,
        representative_api.router,
        tenant_api.router,
        tenant_follow_up.router,
        sms.router,
    ],
    pages=[
        web_report.router,
        web_receipt.router,
        web_status.router,
        web_procedure.router,
        web_actions.router,
        web_referral.router,
        web_plan.router,
        web_representation.router,
        web_verify.router,
        admin_pages.router,
    ],
    projections=lambda: [
        Grievances(),
        Campaigns(),
        ReferralRequests(),
        CheckIns(),
        ScheduleCheckIns(),
        Representations(),
    ],
    startup=[context.start, callbacks_api.start, housekeeping.start],
    background=[
        housekeeping.run_retention,
        housekeeping.run_rotation,
        context.forget_clients,
        key_sweeper("intake"),
    ],
    checks=[context.check],
    seed=seed.seed_demo,
    # The report form carries up to five files of 10 MB.
    large_body_paths=r"^/t/[^/]+/report$",
    large_body_bytes=52_000_000,
)
