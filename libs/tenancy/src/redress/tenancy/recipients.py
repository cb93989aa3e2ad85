"""Who is alerted by email, per role: addresses checked before they are recorded."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from redress.events.application import Refused
from redress.events.catalogue.tenant import AlertRecipientsSet

# One address, as a person writes it: no display name, no spaces, one @, a dotted domain.
# Deliverability is the mail server's to judge; this catches what cannot be an address.
ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
MOST = 50


@dataclass(frozen=True)
class SetAlertRecipients:
    """Who is alerted, per role; None keeps the role's addresses as they are (a client that
    names only the roles it knows of, written before `admins` existed, empties no other)."""

    officers: tuple[str, ...] | None = None
    supervisors: tuple[str, ...] | None = None
    admins: tuple[str, ...] | None = None


ROLES = ("officers", "supervisors", "admins")


def kept(command: SetAlertRecipients, now: AlertRecipientsSet, role: str) -> tuple[str, ...]:
    """The role's addresses as the command gives them, or as they are when it names none."""
    given: tuple[str, ...] | None = getattr(command, role)
    return tuple(getattr(now, role)) if given is None else given


def addresses(role: str, given: Iterable[str], refused: type[Refused]) -> tuple[str, ...]:
    """The role's addresses, each once (whatever its case), in the order given; refused when
    one is no address (spaces and a display name included) or there are too many."""
    kept: list[str] = []
    for address in given:
        if len(address) > 254 or not ADDRESS.fullmatch(address):
            raise refused("bad-email", f"{address[:60]!r} ({role}) is not an email address")
        if address.casefold() not in (k.casefold() for k in kept):
            kept.append(address)
    if len(kept) > MOST:
        raise refused("too-many-recipients", f"at most {MOST} addresses per role")
    return tuple(kept)
