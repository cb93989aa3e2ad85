"""How a text travels as SMS: in GSM-7 when every character is in the GSM 03.38 alphabet, else
in UCS-2; one segment when it fits (160 septets, or 70 UTF-16 units), else split in parts of
153 or 67 (each part carries a header that joins them again on the phone).

Pure, so that the sender and its tests count alike. No maintained library on the package
index both counts and splits; the tables are the standard's and short.
"""

from __future__ import annotations

from dataclasses import dataclass

# GSM 03.38 basic alphabet (one septet each) and its extension table (escape + one: two).
BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
) - {"\x1b"}
EXTENDED = frozenset("^{}\\[~]|€\f")

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True)
class Segmented:
    """A text as it goes out: its encoding and its parts (one when it fits a single SMS)."""

    encoding: str  # "GSM-7" or "UCS-2"
    parts: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.parts)


def is_gsm7(text: str) -> bool:
    return all(ch in BASIC or ch in EXTENDED for ch in text)


def _units(ch: str, gsm: bool) -> int:
    """What one character costs: septets in GSM-7, UTF-16 code units in UCS-2."""
    if gsm:
        return 2 if ch in EXTENDED else 1
    return 2 if ord(ch) > 0xFFFF else 1


def segment(text: str) -> Segmented:
    """The text's encoding and parts. A part never ends inside an escape pair or a character
    outside the Basic Multilingual Plane (an emoji's two UTF-16 units stay together)."""
    gsm = is_gsm7(text)
    single, part = (GSM_SINGLE, GSM_PART) if gsm else (UCS2_SINGLE, UCS2_PART)
    encoding = "GSM-7" if gsm else "UCS-2"
    if sum(_units(ch, gsm) for ch in text) <= single:
        return Segmented(encoding, (text,))
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for ch in text:
        cost = _units(ch, gsm)
        if used + cost > part:
            parts.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += cost
    if current:
        parts.append("".join(current))
    return Segmented(encoding, tuple(parts))
