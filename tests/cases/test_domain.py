"""Given events, when a command, then events or a refusal: the case process, pure."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from redress.cases.case_state import after_working_days
from redress.cases.domain import (
    Accept,
    AddAction,
    AddNote,
    Advance,
    AssignFacilitator,
    AssignOfficer,
    CaseRefused,
    Close,
    Grounds,
    MessageWorker,
    MissDeadline,
    OpenCase,
    Outcome,
    Owner,
    RecordLessons,
    RecordSatisfaction,
    Reject,
    Remedy,
    Reopen,
    Severity,
    Stage,
    Status,
    TimeFrames,
    Triage,
    UpdateAction,
    Withdraw,
    decide,
    fold,
)
from redress.events.catalogue.case import (
    CaseClosed,
    CaseOpened,
    CaseRejected,
    CaseReopened,
    CaseTriaged,
    CaseWithdrawn,
    FacilitatorAssigned,
    InternalNoteAdded,
    LessonsLearned,
    MessageSentToWorker,
    OfficerAssigned,
    PlanActionAdded,
    PlanActionUpdated,
    ReferralRecommended,
    SatisfactionRecorded,
    StageDeadlineMissed,
    StageEntered,
)
from redress.events.catalogue.grievance import Sealed

DAY = date(2026, 3, 2)
SEALED = Sealed(key_id="grievance-g", ciphertext="eA==")
OPEN = OpenCase("case-1", "g", "wages_and_benefits", "BD", DAY)


def end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=ZoneInfo("UTC"))


def history(*commands) -> list:
    """The events of a case that went through `commands` (each must be allowed)."""
    events: list = []
    for command in commands:
        events += decide(command, fold(events))
    return events


def then(given, command):
    return decide(command, fold(given))


def refused(given, command) -> str:
    with pytest.raises(CaseRefused) as caught:
        decide(command, fold(given))
    return caught.value.kind


ACTION = AddAction("a1", Remedy.wage_restitution, Owner.member_company, DAY, "Pay back wages")
OPENED = history(OPEN)
ADMISSIBLE = history(OPEN, Accept(DAY))
IN_PLAN = history(OPEN, Accept(DAY), Advance(Stage.response, DAY),
                  Advance(Stage.remediation_plan, DAY))  # fmt: skip
IMPLEMENTING = history(OPEN, Accept(DAY), Advance(Stage.response, DAY),
                       Advance(Stage.remediation_plan, DAY), ACTION,
                       Advance(Stage.implementation, DAY))  # fmt: skip
# Resolved: every action of the plan done (or waived, tests/cases/test_remedies_domain.py).
PAID = IMPLEMENTING + then(IMPLEMENTING, UpdateAction("a1", "Paid in full", None, True))
CLOSED = PAID + then(PAID, Close(Outcome.resolved))
REJECTED = OPENED + then(OPENED, Reject(Grounds.duplicate, "", "case-0"))


def test_open_a_case_with_the_acknowledgement_due_in_seven_days():
    opened, entered = then([], OPEN)
    assert isinstance(opened, CaseOpened) and opened.opened_on == DAY
    due = DAY + timedelta(days=7)
    assert entered == StageEntered(case_id="case-1", grievance_id="g", stage="admissibility",
                                   due_on=due, due_at=end_of(due))  # fmt: skip


def test_open_uses_the_tenants_time_frames():
    frames = TimeFrames(acknowledge_days=3)
    _, entered = then([], OpenCase("case-1", "g", "other", "BD", DAY, frames))
    assert entered.due_on == DAY + timedelta(days=3)


def test_open_twice_is_refused():
    assert refused(OPENED, OPEN) == "already-open"


def test_commands_on_a_case_that_does_not_exist_are_refused():
    assert refused([], Accept(DAY)) == "unknown-case"


def test_triage_with_trafficking_indicators_makes_the_case_critical_and_recommends_referral():
    triaged, referral = then(OPENED, Triage(("debt_bondage", "excessive_overtime"), Severity.low))
    assert triaged == CaseTriaged(case_id="case-1", indicators=("debt_bondage",
                                  "excessive_overtime"), severity="critical")  # fmt: skip
    assert referral == ReferralRecommended(
        case_id="case-1", reasons=("debt_bondage", "excessive_overtime")
    )


def test_child_labour_always_escalates():
    opened = history(OpenCase("case-1", "g", "child_labour", "BD", DAY))
    triaged, referral = then(opened, Triage((), Severity.medium))
    assert triaged.severity == "critical" and referral.reasons == ("child_labour",)


def test_child_labour_cannot_be_overridden():
    triaged, referral = then(OPENED, Triage(("child_labour",), Severity.low, "Looked older"))
    assert triaged.severity == "critical" and triaged.override_reason == "Looked older"
    assert referral.reasons == ("child_labour",)


@pytest.mark.parametrize(
    "indicators",
    [("excessive_overtime",), ("recruitment_fees",), ("withheld_wages",), ("payslips",),
     ("payslips", "no_written_contract", "below_minimum_wage", "no_union_rights"),
     ("payslips", "excessive_overtime")],
)  # fmt: skip
def test_one_medium_indicator_or_labour_rights_risks_alone_do_not_escalate(indicators):
    [triaged] = then(OPENED, Triage(indicators, Severity.medium))
    assert triaged.severity == "medium"


@pytest.mark.parametrize(
    ("indicators", "reasons"),
    [
        (("document_retention",), ("document_retention",)),
        (("recruitment_fees", "withheld_wages"), ("recruitment_fees", "withheld_wages")),
        (("payslips", "excessive_overtime", "unlawful_deductions"),
         ("excessive_overtime", "unlawful_deductions")),
        (("isolation", "payslips"), ("isolation",)),
    ],
)  # fmt: skip
def test_a_strong_indicator_or_two_medium_ones_escalate_naming_what_weighs(indicators, reasons):
    triaged, referral = then(OPENED, Triage(indicators, Severity.low))
    assert triaged.severity == "critical" and referral.reasons == reasons


def test_triage_without_indicators_keeps_the_officers_severity():
    assert then(OPENED, Triage((), Severity.medium)) == [
        CaseTriaged(case_id="case-1", indicators=(), severity="medium")
    ]


def test_the_officer_may_override_escalation_with_a_recorded_reason():
    events = then(OPENED, Triage(("debt_bondage",), Severity.high, "Loan repaid; checked"))
    assert events == [
        CaseTriaged(
            case_id="case-1",
            indicators=("debt_bondage",),
            severity="high",
            override_reason="Loan repaid; checked",
        )
    ]


def test_referral_is_recommended_once():
    given = OPENED + then(OPENED, Triage(("debt_bondage",), Severity.low))
    assert [type(e) for e in then(given, Triage(("isolation",), Severity.low))] == [CaseTriaged]


def test_unknown_indicators_are_refused():
    assert refused(OPENED, Triage(("made_up",), Severity.low)) == "unknown-indicator"


def test_accept_moves_to_verification_with_the_feedback_date():
    due = DAY + timedelta(90)
    assert then(OPENED, Accept(DAY)) == [
        StageEntered(case_id="case-1", grievance_id="g", stage="verification", due_on=due,
                     due_at=end_of(due))
    ]  # fmt: skip


def test_accept_or_reject_only_at_admissibility():
    assert refused(ADMISSIBLE, Accept(DAY)) == "wrong-stage"
    assert refused(ADMISSIBLE, Reject(Grounds.out_of_scope)) == "wrong-stage"


def test_reject_records_grounds():
    assert then(OPENED, Reject(Grounds.out_of_scope, "Not a member's supplier")) == [
        CaseRejected(case_id="case-1", grievance_id="g", grounds="out_of_scope",
                     explanation="Not a member's supplier")]  # fmt: skip


def test_a_rejected_case_takes_no_more_steps():
    assert refused(REJECTED, Advance(Stage.response, DAY)) == "not-open"
    assert refused(REJECTED, Triage((), Severity.low)) == "not-open"


def test_advance_goes_one_step_at_a_time():
    assert refused(ADMISSIBLE, Advance(Stage.remediation_plan, DAY)) == "wrong-stage"
    assert refused(OPENED, Advance(Stage.response, DAY)) == "wrong-stage"
    given = ADMISSIBLE + then(ADMISSIBLE, Advance(Stage.response, DAY))
    (entered,) = then(given, Advance(Stage.remediation_plan, DAY))
    assert entered.stage == "remediation_plan" and entered.due_on == DAY + timedelta(45)


def test_implementation_needs_a_plan_with_an_action():
    assert refused(IN_PLAN, Advance(Stage.implementation, DAY)) == "no-plan"


def test_actions_are_added_and_updated_only_in_plan_or_implementation():
    assert then(IN_PLAN, ACTION) == [PlanActionAdded(
        case_id="case-1", action_id="a1", remedy="wage_restitution", owner="member_company",
        due_on=DAY, description="Pay back wages")]  # fmt: skip
    assert refused(ADMISSIBLE, ACTION) == "wrong-stage"
    assert refused(IMPLEMENTING, ACTION) == "duplicate-action"
    update = UpdateAction("a1", "Half paid", "receipt-1.pdf")
    assert then(IMPLEMENTING, update) == [
        PlanActionUpdated(
            case_id="case-1", action_id="a1", progress="Half paid", evidence="receipt-1.pdf"
        )
    ]
    assert refused(IMPLEMENTING, UpdateAction("zz", "?")) == "unknown-action"
    done = IMPLEMENTING + then(IMPLEMENTING, UpdateAction("a1", "Paid", done=True))
    assert refused(done, UpdateAction("a1", "Again")) == "action-done"


def test_assignments():
    assert then(OPENED, AssignOfficer("o-2")) == [OfficerAssigned(case_id="case-1", officer="o-2")]
    assert then(OPENED, AssignFacilitator("Labour Rights NGO")) == [
        FacilitatorAssigned(case_id="case-1", organisation="Labour Rights NGO")
    ]
    assert refused(REJECTED, AssignOfficer("o-2")) == "not-open"


def test_messages_to_the_worker_and_internal_notes():
    assert then(OPENED, MessageWorker(SEALED)) == [
        MessageSentToWorker(case_id="case-1", grievance_id="g", message=SEALED)
    ]
    assert then(CLOSED, AddNote(SEALED)) == [InternalNoteAdded(case_id="case-1", note=SEALED)]


def test_close_with_an_outcome_from_implementation():
    closed, entered = then(IMPLEMENTING, Close(Outcome.partly_resolved))
    assert closed == CaseClosed(case_id="case-1", grievance_id="g", outcome="partly_resolved")
    assert entered.stage == "closure"


def test_only_a_referred_case_closes_before_implementation():
    assert refused(IN_PLAN, Close(Outcome.resolved)) == "wrong-stage"
    assert [type(e) for e in then(IN_PLAN, Close(Outcome.referred))] == [CaseClosed, StageEntered]
    assert refused(OPENED, Close(Outcome.referred)) == "wrong-stage"
    assert refused(CLOSED, Close(Outcome.resolved)) == "not-open"


def test_satisfaction_after_closure_only_and_from_one_to_five():
    assert then(CLOSED, RecordSatisfaction(4)) == [
        SatisfactionRecorded(case_id="case-1", score=4, source="status_page")
    ]
    assert refused(IMPLEMENTING, RecordSatisfaction(4)) == "not-closed"
    assert refused(CLOSED, RecordSatisfaction(6)) == "bad-score"


def test_lessons_learned_end_the_process():
    lessons, entered = then(CLOSED, RecordLessons("Check agents' fees", ("recruitment",)))
    assert lessons == LessonsLearned(
        case_id="case-1", grievance_id="g", text="Check agents' fees", tags=("recruitment",)
    )
    assert entered.stage == "lessons_learned"
    assert refused(IMPLEMENTING, RecordLessons("early")) == "not-closed"
    done = [*CLOSED, lessons, entered]
    assert refused(done, RecordLessons("again")) == "not-closed"


def test_reopen_a_closed_or_rejected_case():
    for given in (CLOSED, REJECTED):
        reopened, entered = then(given, Reopen("New evidence", DAY))
        assert reopened == CaseReopened(case_id="case-1", grievance_id="g", reason="New evidence",
                                        reopened_on=DAY)  # fmt: skip
        assert entered.stage == "verification"
    assert refused(IMPLEMENTING, Reopen("?", DAY)) == "not-closed"
    assert refused(OPENED, Reopen("?", DAY)) == "not-closed"


def test_a_reopened_case_gets_fresh_time_frames_from_the_reopening():
    later = DAY + timedelta(days=400)
    frames = TimeFrames(feedback_days=30)
    reopened = CLOSED + then(CLOSED, Reopen("New evidence", later, frames))
    due = later + timedelta(days=30)
    assert reopened[-1] == StageEntered(case_id="case-1", grievance_id="g", stage="verification",
                                        due_on=due, due_at=end_of(due))  # fmt: skip
    # The next stage counts from the reopening too, not from the filing a year before.
    (response,) = then(reopened, Advance(Stage.response, later + timedelta(days=5), frames))
    assert response.due_on == later + timedelta(days=30)


def test_a_case_reopened_before_the_day_was_recorded_counts_from_its_opening():
    old = [
        *CLOSED,
        CaseReopened(case_id="case-1", grievance_id="g", reason="again"),
        StageEntered(case_id="case-1", grievance_id="g", stage="verification"),
    ]
    (response,) = then(old, Advance(Stage.response, DAY, TimeFrames(feedback_days=30)))
    assert response.due_on == DAY + timedelta(days=30)


def test_time_frames_count_the_tenants_working_days():
    # Dhaka: Sunday to Thursday. Filed on Thursday 2026-03-05; three working days on: Tuesday.
    frames = TimeFrames(acknowledge_days=3, working_days=(6, 0, 1, 2, 3), time_zone="Asia/Dhaka")
    thursday = date(2026, 3, 5)
    _, entered = then([], OpenCase("case-1", "g", "other", "BD", thursday, frames))
    assert entered.due_on == date(2026, 3, 10)
    # Missed once that Tuesday has ended in Dhaka: 18:00 UTC, not midnight UTC.
    assert entered.due_at == datetime(2026, 3, 10, 23, 59, 59, 999999, ZoneInfo("Asia/Dhaka"))
    assert entered.due_at.astimezone(UTC).hour == 17
    # A plan's frame counts from the day it is drawn up, on working days too.
    assert after_working_days(date(2026, 3, 6), 1, (6, 0, 1, 2, 3)) == date(2026, 3, 8)
    assert after_working_days(thursday, 0, (6, 0, 1, 2, 3)) == thursday


def test_today_is_the_tenants_day_in_its_time_zone():
    frames = TimeFrames(time_zone="Asia/Dhaka")
    # 20:00 UTC on Thursday is 02:00 on Friday in Dhaka.
    assert frames.local_day(datetime(2026, 3, 5, 20, tzinfo=UTC)) == date(2026, 3, 6)
    assert TimeFrames().local_day(datetime(2026, 3, 5, 20, tzinfo=UTC)) == date(2026, 3, 5)


def test_a_deadline_is_missed_once_and_only_in_its_stage():
    assert then(OPENED, MissDeadline(Stage.admissibility)) == [
        StageDeadlineMissed(case_id="case-1", stage="admissibility")
    ]
    missed = OPENED + then(OPENED, MissDeadline(Stage.admissibility))
    assert then(missed, MissDeadline(Stage.admissibility)) == []
    assert then(ADMISSIBLE, MissDeadline(Stage.admissibility)) == []
    assert then(CLOSED, MissDeadline(Stage.implementation)) == []


def test_the_feedback_date_missed_in_verification_is_not_missed_again_in_response():
    verifying = OPENED + then(OPENED, Accept(DAY))
    missed = verifying + then(verifying, MissDeadline(Stage.verification))
    answered = missed + then(missed, Advance(Stage.response, DAY + timedelta(days=40)))
    assert answered[-1].due_on == verifying[-1].due_on  # the same feedback date
    assert then(answered, MissDeadline(Stage.response)) == []
    # Not missed in verification, the response's date is reported when it passes.
    on_time = verifying + then(verifying, Advance(Stage.response, DAY))
    assert then(on_time, MissDeadline(Stage.response)) == [
        StageDeadlineMissed(case_id="case-1", stage="response")
    ]


def test_a_workers_withdrawal_ends_an_open_case_at_any_stage():
    for given in (OPENED, ADMISSIBLE, IN_PLAN, IMPLEMENTING):
        assert then(given, Withdraw()) == [
            CaseRejected(case_id="case-1", grievance_id="g", grounds="withdrawn_by_worker")
        ]


def test_a_closed_or_rejected_case_keeps_its_ending_when_the_worker_withdraws():
    for given, status in ((CLOSED, Status.closed), (REJECTED, Status.rejected)):
        withdrawn = given + then(given, Withdraw())
        assert withdrawn[len(given) :] == [CaseWithdrawn(case_id="case-1", grievance_id="g")]
        assert fold(withdrawn).status is status  # its ending, and its figures, unchanged
        # Nobody contacts the worker about it, and no officer (or review) reopens it.
        assert refused(withdrawn, MessageWorker(SEALED)) == "withdrawn"
        assert refused(withdrawn, Reopen("Asked by phone", DAY)) == "withdrawn"
        assert then(withdrawn, Withdraw()) == []  # recorded once


def test_after_a_withdrawal_nobody_contacts_the_worker_and_officers_cannot_reopen():
    withdrawn = IMPLEMENTING + then(IMPLEMENTING, Withdraw())
    assert refused(withdrawn, MessageWorker(SEALED)) == "withdrawn"
    assert refused(withdrawn, Reopen("Asked by phone", DAY)) == "withdrawn"
    assert then(withdrawn, MissDeadline(Stage.implementation)) == []  # deadlines stopped
    assert then(withdrawn, AddNote(SEALED))  # notes are for staff: still written


def test_only_the_worker_withdraws_an_officer_rejects_on_no_such_grounds():
    assert refused(OPENED, Reject(Grounds.withdrawn_by_worker, "Closing this")) == (
        "worker-withdraws"
    )


def test_a_duplicate_names_the_case_it_duplicates():
    assert then(OPENED, Reject(Grounds.duplicate, "Filed twice", "case-0")) == [
        CaseRejected(case_id="case-1", grievance_id="g", grounds="duplicate",
                     explanation="Filed twice", duplicate_of="case-0")]  # fmt: skip


def test_only_a_duplicate_names_a_case_and_never_itself():
    assert refused(OPENED, Reject(Grounds.out_of_scope, "", "case-0")) == "not-a-duplicate"
    assert refused(OPENED, Reject(Grounds.duplicate, "", "case-1")) == "duplicate-of-itself"


def test_a_duplicate_that_names_no_case_is_refused():
    assert refused(OPENED, Reject(Grounds.duplicate, "Filed twice")) == "duplicate-names-no-case"
