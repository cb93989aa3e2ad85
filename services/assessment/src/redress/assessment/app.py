"""Wiring of the assessment service."""

from __future__ import annotations

from pathlib import Path

from redress.assessment import (
    answer_pages,
    api,
    benchmark,
    context,
    draft_answers,
    erasure,
    evidence_pages,
    export,
    files_api,
    frameworks,
    frameworks_api,
    pages,
    pdf,
    plan_api,
    submitting,
)
from redress.assessment.facts import MemberFacts
from redress.assessment.projections import AssessmentViews
from redress.kit import console
from redress.kit.service import ServiceSpec

service = ServiceSpec(
    name="assessment",
    title="Assessment",
    migrations=Path(__file__).parent / "migrations",
    routers=[
        api.router,
        export.router,
        pdf.router,
        files_api.router,
        erasure.router,
        plan_api.router,
        frameworks_api.router,
        benchmark.router,
    ],
    projections=lambda: [AssessmentViews(), MemberFacts()],
    pages=[
        pages.router,
        draft_answers.router,
        submitting.router,
        answer_pages.router,
        pages.entry,
        evidence_pages.router,
    ],
    exception_handlers={console.LoginRequired: console.to_login},
    startup=[context.start],
    background=[context.run_reminders],
    checks=[frameworks.check, context.check],
    large_body_paths=files_api.PATH,
    large_body_bytes=files_api.BODY_BYTES,
    refusal_pages=[pages.CONSOLE.refusal_page],
)
