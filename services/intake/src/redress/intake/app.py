"""Wiring of the intake service."""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException

from redress.intake import (
    admin_pages,
    alert_recipients_api,
    api,
    callbacks_api,
    callbacks_figures,
    check_ins_api,
    context,
    desk,
    desk_call,
    desk_filing,
    desk_reissue,
    fake_provider,
    housekeeping,
    operator_api,
    operator_consent,
    replies,
    representative_api,
    seed,
    sender,
    sms,
    tenant_api,
    tenant_follow_up,
    tenant_hotline,
    web_actions,
    web_card,
    web_common,
    web_leave,
    web_opening,
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
from redress.intake.texting import Texting
from redress.kit import console
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
        tenant_hotline.router,
        alert_recipients_api.router,
        sms.router,
        replies.router,
        operator_api.router,
        operator_consent.router,
    ],
    pages=[
        web_report.router,
        web_receipt.router,
        web_status.router,
        web_leave.router,
        web_opening.router,
        web_card.router,
        web_procedure.router,
        web_actions.router,
        web_referral.router,
        web_plan.router,
        web_representation.router,
        web_verify.router,
        admin_pages.router,
        desk.router,
        desk_call.router,
        desk_filing.router,
        desk_reissue.router,
        fake_provider.router,
    ],
    projections=lambda: [
        Grievances(),
        Campaigns(),
        ReferralRequests(),
        Texting(),
        CheckIns(),
        ScheduleCheckIns(),
        Representations(),
    ],
    startup=[context.start, callbacks_api.start, housekeeping.start],
    background=[
        housekeeping.run_retention,
        housekeeping.run_rotation,
        context.forget_clients,
        sender.send_texts,
        key_sweeper("intake"),
    ],
    checks=[context.check],
    before_key_rotation=housekeeping.replace_lookup_key,
    seed=seed.seed_demo,
    # Texts to workers go to the fake provider intake serves itself in dev mode.
    dev_environment={
        "REDRESS_SMS_PROVIDER_URL": "http://127.0.0.1:{port}" + fake_provider.DEV_PREFIX
    },
    # The report form carries up to five files of 10 MB.
    large_body_paths=r"^/t/[^/]+/report$",
    large_body_bytes=52_000_000,
    refusal_pages=[web_common.refused_before_routing, desk.CONSOLE.refusal_page],
    exception_handlers={
        HTTPException: desk.missed_address,  # the worker pages' elsewhere
        console.LoginRequired: console.to_login,  # the hotline desk's
    },
)
