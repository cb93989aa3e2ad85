"""Reviews of a decision, pure: the worker asks for one, another officer upholds or reverses.

Kept beside the six steps of a case, like legal holds: a review reads the decision the case
ended on and who took it (the actor of its event), and a reversal takes the case up again as
a reopening does. The officer who decided never reviews their own decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from redress.cases import domain as d
from redress.cases.domain import CaseRefused
from redress.events.catalogue.case import CaseClosed, CaseOpened, CaseRejected, CaseReopened
from redress.events.catalogue.case_oversight import ReviewDecided, ReviewOpened, ReviewResult
from redress.events.envelope import Event, EventData


@dataclass(frozen=True)
class OpenReview:
    """The worker's request, from the status page."""


@dataclass(frozen=True)
class DecideReview:
    officer: str
    result: ReviewResult
    reasons: str
    today: date
    frames: d.TimeFrames


@dataclass(frozen=True)
class Review:
    decision: str | None = None  # `rejection` or `outcome`: what the case ended on
    decided_by: str | None = None  # who took that decision
    pending: bool = False  # asked for, not yet decided
    reviewed: bool = False  # this decision was reviewed: once is the worker's right


def review_of(events: list[Event]) -> Review:
    review = Review()
    for event in events:
        match event.data:
            case CaseRejected() | CaseClosed():
                kind = "rejection" if isinstance(event.data, CaseRejected) else "outcome"
                review = Review(kind, event.actor.id)
            case CaseReopened():
                review = Review()  # the decision no longer stands: nothing left to review
            case ReviewOpened():
                review = Review(review.decision, review.decided_by, pending=True)
            case ReviewDecided():
                review = Review(review.decision, review.decided_by, reviewed=True)
    return review


def decide(command: OpenReview | DecideReview, events: list[Event]) -> list[EventData]:
    opened = events[0].data if events else None
    if not isinstance(opened, CaseOpened):
        raise CaseRefused("unknown-case", "there is no such case")
    ids = {"case_id": opened.case_id, "grievance_id": opened.grievance_id}
    review = review_of(events)
    match command:
        case OpenReview():
            withdrawn = d.fold([e.data for e in events]).withdrawn  # ended at the worker's word
            if review.decision is None or review.pending or review.reviewed or withdrawn:
                return []  # nothing to review, or asked before: the worker's page says so
            return [ReviewOpened(**ids, decision=review.decision)]
        case DecideReview():
            if not review.pending:
                raise CaseRefused("no-review", "the worker has not asked for a review")
            if command.officer == review.decided_by:
                raise CaseRefused(
                    "own-decision", "another officer must review this decision: you took it"
                )
            decided = ReviewDecided(**ids, result=command.result, reasons=command.reasons)
            if command.result is ReviewResult.upheld:
                return [decided]
            state = d.fold([e.data for e in events])
            # The reasons are the worker's to read: the reopening, which companies see, names
            # only the review.
            reopen = d.Reopen("reversed on review", command.today, command.frames)
            return [decided, *d.decide(reopen, state)]
    raise AssertionError(f"unhandled command {command!r}")
