"""A chart's labels are drawn whole: a long one goes over lines, broken between words, so
that two labels that begin alike are never cut to the same words."""

from __future__ import annotations

import re

from redress.metrics import charts, labels


def drawn(svg: str) -> list[str]:
    """Each label's lines as the picture holds them (its numbers left out)."""
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg)
    lines = [re.findall(r"<tspan[^>]*>(.*?)</tspan>", t) or [t] for t in texts]
    return [" / ".join(t) for t in lines if not re.fullmatch(r"[\d.]+|-", t[0])]


def test_long_labels_go_over_lines_whole_and_short_ones_keep_one():
    words = list(labels.CATEGORIES.values())
    shown = drawn(charts.svg([(w, 10) for w in words], "-"))
    assert len(shown) == len(words)
    assert not [s for s in shown if s.endswith("…")]
    assert "Working hours and / overtime" in shown
    assert "Wages and benefits" in shown  # short enough for one line


def test_labels_that_begin_alike_stay_apart():
    alike = [("Signs of human trafficking found in the audit", 3),
             ("Signs of human trafficking found by a worker", 4)]  # fmt: skip
    first, second = drawn(charts.svg(alike, "-"))
    assert first != second and first.endswith("audit") and second.endswith("worker")


def test_a_label_past_three_lines_is_cut_on_its_third():
    shown = drawn(charts.svg([(" ".join(["overtime"] * 12), 1)], "-"))
    assert shown[0].count(" / ") == 2 and shown[0].endswith("…")
