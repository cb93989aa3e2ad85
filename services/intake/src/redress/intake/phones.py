"""A worker's phone number, only ever in memory: read from their sealed contact, and known
elsewhere by a keyed hash under a lookup key (`redress.intake.lookup_keys`)."""

from __future__ import annotations

import json
import re

from redress.events.catalogue.grievance import Sealed
from redress.events.store import Conn
from redress.intake.context import Intake

# A number as people write one down: digits in groups, single spaces, dots or hyphens
# between them, a group in brackets ("(017) 1711-1111", "(+880) 1711 111111"), a "+" before
# the first digit. Each group ends where a separator or a bracket begins, so a string that
# fails is refused in one pass (no backtracking over ways to split a run of digits). How
# many digits (7 to 15: E.164 has at most 15) is `phone_number`'s to check.
PHONE_PATTERN = r"^(?:\+?[0-9]+|\(\+?[0-9]+\)[0-9]*)(?:[ .\-]?\([0-9]+\)[0-9]*|[ .\-][0-9]+)*$"
_PHONE = re.compile(PHONE_PATTERN)
LEAST_DIGITS, MOST_DIGITS = 7, 15


def phone_number(text: str | None) -> str | None:
    """The number in what the worker gave as their contact, as digits with a leading "+" when
    they wrote one; None for an e-mail address or anything else that is not a number."""
    if not text or not _PHONE.match(written := " ".join(text.split())):
        return None  # (a run of spaces, a stray one at either end: still the number)
    digits = "".join(ch for ch in written if ch.isdigit())
    if not LEAST_DIGITS <= len(digits) <= MOST_DIGITS:
        return None
    return ("+" if written.lstrip("(").startswith("+") else "") + digits


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def reachable(contact: str) -> bool:
    """Whether a contact is a phone number or an e-mail address: anything else nobody could
    use to reach the worker (no text, no call after an audit)."""
    return bool(_EMAIL.fullmatch(contact.strip())) or phone_number(contact) is not None


async def contact_number(conn: Conn, intake: Intake, personal: Sealed) -> str | None:
    """The phone number the worker gave, opened from their sealed personal data; None when
    they gave none, or their data was erased."""
    opened = await intake.keyring.open(conn, personal)
    if opened is None:
        return None
    contact = json.loads(opened).get("contact") or {}
    return phone_number(contact.get("phone_or_email"))
