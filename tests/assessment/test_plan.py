"""Given an assessment's events, when a command of its action plan, then events: pure."""

from __future__ import annotations

from datetime import date

import pytest

from redress.assessment.plan import PlanAction, Remind, ReportProgress, proposal
from redress.events.catalogue.assessment import (
    ActionPlanned,
    ActionProgressed,
    ActionReminded,
    RatingAgreed,
    Reminder,
)
from tests.assessment.test_domain import PROPOSED, SUBMITTED, folded, refused, when

FINAL = [*PROPOSED, RatingAgreed(levels=PROPOSED[-1].levels, overall=None)]
DUE = date(2026, 9, 30)
PLANNED = [*FINAL, ActionPlanned(criterion="gov-e1", owner="Head of sourcing", due_on=DUE)]


def test_the_plan_proposes_the_next_levels_unmet_criteria_in_priority_order():
    first = proposal(folded(FINAL))
    assert first[:4] == ["gov-e1", "gov-e2", "gov-e3", "est-l1"]
    assert first.index("est-l4") < first.index("imp-l1")


def test_an_action_is_planned_on_an_unmet_criterion_once_a_rating_is_agreed():
    assert when(FINAL, PlanAction("gov-e1", "Head of sourcing", DUE)) == [PLANNED[-1]]
    assert refused(SUBMITTED, PlanAction("gov-e1", "Head of sourcing", DUE)) == "not-final"
    assert refused(FINAL, PlanAction("gov-l1", "Head of sourcing", DUE)) == "already-met"
    assert refused(FINAL, PlanAction("gov-e1", " ", DUE)) == "owner-required"
    assert refused(FINAL, PlanAction("gov-zz", "Head of sourcing", DUE)) == "unknown-criterion"


def test_progress_is_reported_until_the_action_is_done():
    then = when(PLANNED, ReportProgress("gov-e1", "Clause drafted"))
    assert then == [ActionProgressed(criterion="gov-e1", note="Clause drafted")]
    done = [*PLANNED, ActionProgressed(criterion="gov-e1", note="Signed", done=True)]
    assert refused(done, ReportProgress("gov-e1", "more")) == "action-done"
    assert refused(FINAL, ReportProgress("gov-e1", "x")) == "no-action"
    assert refused(PLANNED, ReportProgress("gov-e1", "")) == "comment-required"


@pytest.mark.parametrize("reminder", list(Reminder))
def test_a_reminder_fires_once_for_the_current_due_date_of_an_action_not_done(reminder):
    remind = Remind("gov-e1", DUE, reminder)
    then = when(PLANNED, remind)
    assert then == [ActionReminded(criterion="gov-e1", due_on=DUE, reminder=reminder)]
    assert when([*PLANNED, *then], remind) == []  # fired twice: once
    moved = [*PLANNED, ActionPlanned(criterion="gov-e1", owner="CEO", due_on=date(2026, 12, 1))]
    assert when(moved, remind) == []  # a timer of the old date
    done = [*PLANNED, ActionProgressed(criterion="gov-e1", note="Signed", done=True)]
    assert when(done, remind) == []
    assert when(FINAL, remind) == []
    # Planned again for the same date (another owner): what was sent is not sent again; a
    # new date has reminders of its own.
    sent = [*PLANNED, *then]
    owner = [*sent, ActionPlanned(criterion="gov-e1", owner="CEO", due_on=DUE)]
    assert when(owner, remind) == []
    later = date(2026, 12, 1)
    moved = [*sent, ActionPlanned(criterion="gov-e1", owner="CEO", due_on=later)]
    assert when(moved, Remind("gov-e1", later, reminder)) == [
        ActionReminded(criterion="gov-e1", due_on=later, reminder=reminder)
    ]
