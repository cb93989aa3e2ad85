"""A worker's phone number, only ever in memory: read from their sealed contact, and known
elsewhere by a keyed hash under a lookup key (`redress.intake.lookup_keys`)."""

from __future__ import annotations

import json
import re

from redress.events.catalogue.grievance import Sealed
from redress.events.store import Conn
from redress.intake.context import Intake

# 7 to 15 digits (E.164 has at most 15), a "+" before them, single spaces, dots or hyphens
# between them: what a number looks like written down, and nothing else.
PHONE_PATTERN = r"^\+?[0-9](?:[ .\-]?[0-9]){6,14}$"
_PHONE = re.compile(PHONE_PATTERN)


def phone_number(text: str | None) -> str | None:
    """The number in what the worker gave as their contact, as digits with a leading "+" when
    they wrote one; None for an e-mail address or anything else that is not a number."""
    if not text or not _PHONE.match(text.strip()):
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    return ("+" if text.strip().startswith("+") else "") + digits


async def contact_number(conn: Conn, intake: Intake, personal: Sealed) -> str | None:
    """The phone number the worker gave, opened from their sealed personal data; None when
    they gave none, or their data was erased."""
    opened = await intake.keyring.open(conn, personal)
    if opened is None:
        return None
    contact = json.loads(opened).get("contact") or {}
    return phone_number(contact.get("phone_or_email"))
