"""Live evidence: the platform's own records of a member's cases, read from cases' and
intake's events, shown beside the answers, and the answers they contradict."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from pypdf import PdfReader

from redress.assessment.evidence import Share, contradicted, merged
from redress.assessment.facts import MemberFacts
from redress.assessment.frameworks import catalogue
from redress.assessment.frameworks.model import Figure
from redress.assessment.scoring import Given
from redress.events.catalogue.assessment import AnswerValue
from redress.events.catalogue.case import CaseClosed, CaseOpened, LessonsLearned, StageEntered
from redress.events.catalogue.grievance import Category, Channel, GrievanceSubmitted, Sealed
from redress.events.envelope import Actor, Metadata
from redress.events.ids import derived_stream
from redress.events.projection import wait_for_version

JOURNEY = catalogue().latest("gm-journey")
CASES = Metadata(tenant="acme", actor=Actor(id="officer-1", role="officer"))


# Pure.


def test_a_met_answer_is_flagged_when_the_figure_is_below_the_rule_on_enough_cases():
    met = {"imp-l1": Given(AnswerValue.met)}
    late = {Figure.acknowledged_on_time: Share(4, 10)}
    (flag,) = contradicted(JOURNEY, met, late)
    assert flag == {"criterion": "imp-l1", "figure": "acknowledged_on_time", "value": 0.4,
                    "count": 4, "cases": 10, "below": 0.8}  # fmt: skip
    assert contradicted(JOURNEY, met, {Figure.acknowledged_on_time: Share(9, 10)}) == []
    assert contradicted(JOURNEY, met, {Figure.acknowledged_on_time: Share(1, 4)}) == []  # too few
    partly = {"imp-l1": Given(AnswerValue.partly)}
    assert contradicted(JOURNEY, partly, late) == []  # only a claim of "met" is contradicted


def test_a_breakdown_never_shows_a_count_below_k():
    assert merged({"bn": 6, "km": 5}) == {"bn": 6, "km": 5}
    assert merged({"web": 7, "sms": 3}) == {"other": 10}  # 3 could be read off the total
    four = {"web": 9, "sms": 2, "hotline": 3, "callback": 6}
    assert merged(four) == {"web": 9, "callback": 6, "other": 5}
    assert merged(four | {"hotline": 1}) == {"web": 9, "other": 9}
    assert merged({"en": 1}) == {"other": 1}
    assert merged({}) == {}


# Over the log.


def opened(org: str, language: str) -> tuple[str, str, CaseOpened]:
    grievance_id = str(uuid4())
    case_id = derived_stream("case", grievance_id)
    return case_id, grievance_id, CaseOpened(
        case_id=case_id, grievance_id=grievance_id, category="wages_and_benefits", country="BD",
        site_id="dhaka-1", member_org=org, language=language,
    )  # fmt: skip


def filed(grievance_id: str, channel: Channel) -> GrievanceSubmitted:
    return GrievanceSubmitted(
        grievance_id=grievance_id, channel=channel, language="bn", country="BD",
        category=Category.wages_and_benefits, personal=Sealed(key_id="k", ciphertext="eA=="),
        receipt_reference="R", receipt_hash="h", filed_digest="0" * 64,
    )  # fmt: skip


async def generate(system, org: str, on_time: int, late: int, closed_with_lessons: int = 0):
    """Cases of `org` as cases writes them: each acknowledged on or after its due date."""
    today = datetime.now(UTC).date()
    for i in range(on_time + late):
        case_id, grievance_id, case = opened(org, "bn" if i % 2 else "km")
        channel = Channel.web if i < 7 else Channel.sms
        await system.store.append(f"grievance-{grievance_id}", [filed(grievance_id, channel)], 0,
                                  CASES)  # fmt: skip
        due = today + timedelta(days=3) if i < on_time else today - timedelta(days=3)
        ids = {"case_id": case_id, "grievance_id": grievance_id}
        events = [case, StageEntered(**ids, stage="admissibility", due_on=due),
                  StageEntered(**ids, stage="verification")]  # fmt: skip
        if i < closed_with_lessons:
            events += [CaseClosed(**ids, outcome="resolved"), LessonsLearned(**ids, text="x")]
        done = await system.store.append(case_id, events, 0, CASES)
    assert await wait_for_version(system.pool, MemberFacts(), case_id, done.version, timeout=30)


async def test_the_evidence_shows_each_members_figures_and_flags_the_met_it_contradicts(
    platform,
):
    p, system = platform, platform.system
    await p.admit("org-a", "org-b")
    await generate(system, "org-a", on_time=9, late=1, closed_with_lessons=6)
    await generate(system, "org-b", on_time=4, late=6)
    seen = {}
    for org in ("org-a", "org-b"):
        member = p.member(org)
        assessment_id = await p.start(member)
        await p.answer(assessment_id, "imp-l1", headers=member)
        await p.answer(assessment_id, "eva-l2", headers=member)
        seen[org] = (await p.read(assessment_id, member))["evidence"]
    a, b = seen["org-a"], seen["org-b"]
    assert a["received"] == b["received"] == 10
    assert a["figures"]["acknowledged_on_time"] == {"count": 9, "of": 10, "value": 0.9}
    assert b["figures"]["acknowledged_on_time"] == {"count": 4, "of": 10, "value": 0.4}
    assert a["contradicted"] == []
    assert [(f["criterion"], f["value"]) for f in b["contradicted"]] == [("imp-l1", 0.4)]
    # B closed nothing: no figure on lessons to contradict "met" with.
    assert a["figures"]["lessons_recorded"] == {"count": 6, "of": 6, "value": 1.0}
    assert b["figures"]["lessons_recorded"] == {"count": 0, "of": 0, "value": None}
    assert a["bears_on"]["imp-l1"] == ["acknowledged_on_time"]
    # Channels: 7 by web and 3 by text message; 3 is under k, and would be read off the
    # total beside 7, so both are merged. Languages: 5 and 5 are shown.
    assert a["by_channel"] == {"other": 10}
    assert a["by_language"] == {"bn": 5, "km": 5}
    assert date.fromisoformat(a["last_received"][:10]) == datetime.now(UTC).date()
    # The PDF of B's submitted assessment carries the figures and the flag.
    member = p.member("org-b")
    await p.post(f"/v1/assessments/{assessment_id}/submit", headers=member)
    await p.caught_up(assessment_id)
    pdf = await p.client.get(f"/v1/assessments/{assessment_id}/export.pdf", headers=member)
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))
    assert "Acknowledged on time 4 of 10 (40%)" in text
    assert 'contradict "met": Acknowledged on time is 40% over 10 cases' in text
