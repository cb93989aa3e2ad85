"""Who is alerted by email, per role: addresses checked before they are recorded."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from redress.events.application import Refused

# One address, as a person writes it: no display name, no spaces, one @, a dotted domain.
# Deliverability is the mail server's to judge; this catches what cannot be an address.
ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
MOST = 50


@dataclass(frozen=True)
class SetAlertRecipients:
    officers: tuple[str, ...] = ()
    supervisors: tuple[str, ...] = ()
    admins: tuple[str, ...] = ()


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
