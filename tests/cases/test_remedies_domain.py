"""Given events, when a command, then events or a refusal: the remedy delivered, waived
actions, and what closing as resolved asks (redress.cases.remedies, closure)."""

from datetime import date, timedelta
from decimal import Decimal

from redress.cases.domain import (
    AddAction,
    Advance,
    Close,
    Outcome,
    Owner,
    RecordRemedy,
    Remedy,
    Stage,
    UpdateAction,
    WaiveAction,
)
from redress.events.catalogue.case import CaseClosed, StageEntered
from redress.events.catalogue.remedy import PlanActionWaived, RemedyDelivered, RightToCourtAttested
from tests.cases.test_domain import (
    ACTION,
    CLOSED,
    DAY,
    IMPLEMENTING,
    IN_PLAN,
    OPENED,
    refused,
    then,
)

TODAY = DAY + timedelta(days=30)
PAY = RecordRemedy("r1", Remedy.wage_restitution, 212, "Unpaid overtime paid back", TODAY,
                   TODAY, "a1", Decimal("1843250.00"), "BDT")  # fmt: skip
REINSTATE = RecordRemedy("r2", Remedy.reinstatement, 3, "Union leaders back at work", TODAY,
                         TODAY, reinstated_on=(date(2026, 3, 20), date(2026, 3, 9)))  # fmt: skip
SECOND = AddAction("a2", Remedy.training, Owner.supplier, DAY, "Train the supervisors")


def test_a_remedy_is_recorded_quantified_and_linked_to_its_plan_action():
    assert then(IMPLEMENTING, PAY) == [
        RemedyDelivered(
            case_id="case-1",
            remedy_id="r1",
            remedy="wage_restitution",
            action_id="a1",
            amount=Decimal("1843250.00"),
            currency="BDT",
            workers_covered=212,
            reinstated_on=(),
            delivered_on=TODAY,
            description="Unpaid overtime paid back",
        )
    ]


def test_reinstatement_dates_are_kept_in_order_once_each():
    [delivered] = then(IMPLEMENTING, REINSTATE)
    assert delivered.reinstated_on == (date(2026, 3, 9), date(2026, 3, 20))
    assert delivered.amount is None and delivered.currency is None


def test_a_remedy_refused_for_what_it_says():
    cases = {
        "amount-without-currency": RecordRemedy(
            "r", Remedy.compensation, 1, "x", TODAY, TODAY, amount=Decimal(10)
        ),
        "unknown-currency": RecordRemedy(
            "r", Remedy.compensation, 1, "x", TODAY, TODAY, amount=Decimal(10), currency="XYZ"
        ),
        "bad-amount": RecordRemedy(
            "r", Remedy.compensation, 1, "x", TODAY, TODAY, amount=Decimal(0), currency="USD"
        ),
        "no-workers": RecordRemedy("r", Remedy.apology, 0, "x", TODAY, TODAY),
        "unknown-action": RecordRemedy("r", Remedy.apology, 1, "x", TODAY, TODAY, "a9"),
        "not-reinstatement": RecordRemedy(
            "r", Remedy.apology, 1, "x", TODAY, TODAY, reinstated_on=(TODAY,)
        ),
        "no-reinstatement-date": RecordRemedy("r", Remedy.reinstatement, 1, "x", TODAY, TODAY),
        "in-the-future": RecordRemedy(
            "r", Remedy.apology, 1, "x", TODAY + timedelta(days=1), TODAY
        ),
    }
    for kind, command in cases.items():
        assert refused(IMPLEMENTING, command) == kind, kind


def test_a_remedy_is_recorded_once_and_only_while_the_plan_runs():
    assert refused(IMPLEMENTING + then(IMPLEMENTING, PAY), PAY) == "duplicate-remedy"
    assert refused(OPENED, REINSTATE) == "wrong-stage"
    assert refused(CLOSED, REINSTATE) == "not-open"
    assert then(IN_PLAN + then(IN_PLAN, ACTION), PAY)[0].remedy_id == "r1"


def test_an_action_is_waived_with_its_reason_once_and_then_not_updated():
    assert then(IMPLEMENTING, WaiveAction("a1", "The worker found work elsewhere")) == [
        PlanActionWaived(case_id="case-1", action_id="a1", reason="The worker found work elsewhere")
    ]
    waived = history_after(IMPLEMENTING, WaiveAction("a1", "Moved away"))
    assert refused(waived, WaiveAction("a1", "again")) == "action-waived"
    assert refused(waived, UpdateAction("a1", "Paid", None, True)) == "action-waived"
    done = history_after(IMPLEMENTING, UpdateAction("a1", "Paid", None, True))
    assert refused(done, WaiveAction("a1", "late")) == "action-done"
    assert refused(IMPLEMENTING, WaiveAction("a9", "none")) == "unknown-action"
    assert refused(IMPLEMENTING, WaiveAction("a1", "  ")) == "no-reason"
    assert refused(OPENED, WaiveAction("a1", "r")) == "wrong-stage"


def test_resolved_needs_every_action_done_or_waived():
    two = history_after(IN_PLAN, ACTION, SECOND)
    implementing = history_after(two, Advance(Stage.implementation, DAY))
    one_done = history_after(implementing, UpdateAction("a1", "Paid", None, True))
    assert refused(one_done, Close(Outcome.resolved)) == "plan-not-done"
    # Partly resolved says some of it was not done: it closes as it is.
    assert [type(e) for e in then(one_done, Close(Outcome.partly_resolved))] == [
        CaseClosed, StageEntered
    ]  # fmt: skip
    settled = history_after(one_done, WaiveAction("a2", "The supplier closed the line"))
    closed, _ = then(settled, Close(Outcome.resolved))
    assert closed.outcome == "resolved"


def test_after_a_remedy_closing_needs_the_attestation_on_the_right_to_go_to_court():
    paid = history_after(IMPLEMENTING, PAY, UpdateAction("a1", "Paid", None, True))
    assert refused(paid, Close(Outcome.resolved)) == "right-to-court-unattested"
    assert refused(paid, Close(Outcome.partly_resolved)) == "right-to-court-unattested"
    attested, closed, entered = then(paid, Close(Outcome.resolved, no_court_waiver_attested=True))
    assert attested == RightToCourtAttested(case_id="case-1")
    assert closed.outcome == "resolved" and entered.stage == "closure"


def history_after(given, *commands) -> list:
    events = list(given)
    for command in commands:
        events += then(events, command)
    return events
