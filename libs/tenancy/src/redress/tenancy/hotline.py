"""The initiative's hotline: the number its desk answers, given to workers in texts and on the
worker pages, so that a worker with a basic phone, who cannot open a web page, knows whom to
call. Pure: the command, and what makes a number one (a short code such as 16357 is one).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from redress.events.application import Refused
from redress.events.catalogue.tenant import HotlineSet
from redress.events.envelope import EventData

MIN_DIGITS, MAX_DIGITS = 3, 15  # a short code; E.164's longest
# Digits with single spaces or hyphens between, a + before: as people write numbers down.
NUMBER = rf"^\+?[0-9](?:[ -]?[0-9]){{{MIN_DIGITS - 1},{MAX_DIGITS - 1}}}$"
_NUMBER = re.compile(NUMBER)
BAD_HOTLINE = (
    f"a hotline number is {MIN_DIGITS} to {MAX_DIGITS} digits, a + before them if it is "
    "international, single spaces or hyphens between them if you like, and nothing else"
)


@dataclass(frozen=True)
class SetHotline:
    number: str | None  # None or blank: the initiative gives no number


def as_written(number: str) -> str:
    """A number as it is dialled: its spaces single, its digits 0 to 9 in whatever script they
    were typed (a Bengali admin's ৯৬১২ is 9612)."""
    spaced = " ".join(number.split())
    return "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in spaced)


def decide_hotline(command: SetHotline, now: str | None, refused: type[Refused]) -> list[EventData]:
    number = as_written(command.number or "") or None
    if number is not None and not _NUMBER.match(number):
        raise refused("bad-hotline", BAD_HOTLINE)
    return [] if number == now else [HotlineSet(number=number)]
