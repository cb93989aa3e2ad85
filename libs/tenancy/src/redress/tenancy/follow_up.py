"""How an initiative follows up by phone: callbacks tried again, check-ins after retaliation.

Pure, as the rest of the tenant's domain: the command, and the refusals its numbers meet.
The limits are the event's (`FollowUpSet`), said again here so that an admin is answered
in the domain's words before anything is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from redress.events.application import Refused
from redress.events.catalogue.tenant import FollowUpSet
from redress.events.envelope import EventData

MAX_ATTEMPTS = 10
MAX_RETRY_DAYS = 30
MAX_CHECK_IN_DAYS = 365


@dataclass(frozen=True)
class SetFollowUp:
    callback_attempts: int = 3
    callback_retry_days: int = 1
    check_in_days: int = 30


def decide_follow_up(
    command: SetFollowUp, now: FollowUpSet, refused: type[Refused]
) -> list[EventData]:
    if not 1 <= command.callback_attempts <= MAX_ATTEMPTS:
        raise refused(
            "bad-attempts", f"a worker is called 1 to {MAX_ATTEMPTS} times before giving up"
        )
    if not 1 <= command.callback_retry_days <= MAX_RETRY_DAYS:
        raise refused(
            "bad-retry-days", f"an unreached worker is called again 1 to {MAX_RETRY_DAYS} days on"
        )
    if not 1 <= command.check_in_days <= MAX_CHECK_IN_DAYS:
        raise refused(
            "bad-check-in-days",
            f"the check-in after a retaliation case comes 1 to {MAX_CHECK_IN_DAYS} days on",
        )
    follow_up = FollowUpSet(**command.__dict__)
    return [] if follow_up == now else [follow_up]
