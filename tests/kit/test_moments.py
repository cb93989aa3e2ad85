"""A moment on a worker's page: the month written out, in the initiative's time zone, named."""

from __future__ import annotations

from datetime import UTC, datetime

from redress.kit.i18n import moment

LATE = datetime(2026, 12, 6, 22, 56, tzinfo=UTC)


def spaced(text: str) -> str:
    """CLDR's narrow and no-break spaces (before AM, in French) as plain ones."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_a_moment_is_said_in_the_initiatives_zone_with_its_name():
    # 22:56 UTC is already the next morning in Dhaka.
    assert spaced(moment(LATE, "en", "Asia/Dhaka")) == "December 7, 2026, 4:56 AM (Bangladesh Time)"
    assert spaced(moment(LATE, "fr")) == "6 décembre 2026, 22:56 (UTC)"
    assert "বাংলাদেশ" in moment(LATE, "bn", "Asia/Dhaka")
