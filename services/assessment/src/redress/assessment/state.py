"""The state of an assessment, as its events leave it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from redress.assessment.frameworks import Framework
from redress.assessment.scoring import Given
from redress.events.application import Refused
from redress.events.catalogue.assessment import Reminder


class AssessmentRefused(Refused):
    """A command the assessment's state forbids; `kind` is stable for clients."""

    statuses = {
        "unknown-assessment": 404, "unknown-criterion": 404, "unknown-framework": 422,
        "wrong-audience": 422, "comment-required": 422,
        "no-action": 404, "owner-required": 422, "due-in-the-past": 422,
    }  # fmt: skip
    default_status = 409


class Status(StrEnum):
    draft = "draft"  # the member answers
    submitted = "submitted"  # the initiative reviews; the member answers challenges
    rating_proposed = "rating_proposed"  # the member agrees or disputes
    final = "final"  # a rating was agreed: nothing changes any more


class Review(StrEnum):
    """Where the initiative's review of one answer stands."""

    unreviewed = "unreviewed"
    verified = "verified"
    challenged = "challenged"  # the member owes a reply
    answered = "answered"  # the member replied; the officer verifies or challenges again


OPEN = frozenset({Review.challenged, Review.answered})


@dataclass(frozen=True)
class Action:
    owner: str
    due_on: date
    done: bool = False
    reminded: tuple[Reminder, ...] = ()
    """The reminders sent for the current due date."""


@dataclass(frozen=True)
class Assessment:
    framework: Framework | None = None
    org: str = ""
    status: Status = Status.draft
    answers: Mapping[str, Given] = field(default_factory=lambda: MappingProxyType({}))
    reviews: Mapping[str, Review] = field(default_factory=lambda: MappingProxyType({}))
    proposed: tuple[dict[str, str | None], str | None] | None = None
    actions: Mapping[str, Action] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def started(self) -> bool:
        return self.framework is not None

    def review(self, criterion: str) -> Review:
        return self.reviews.get(criterion, Review.unreviewed)

    def open_reviews(self) -> list[str]:
        return [c for c, r in self.reviews.items() if r in OPEN]
