"""Differential privacy: OpenDP's noise has the scale the epsilon asks for, measured."""

from __future__ import annotations

import math
import statistics

import pytest

from redress.metrics import privacy
from redress.metrics.disclosure import Release, Table

SAMPLES = 20_000
TOLERANCE_SIGMAS = 6  # a false failure once in about 10**9 runs


def expected_mean_absolute(scale: float) -> float:
    """E|X| for discrete Laplace noise of this scale: P(x) ~ exp(-|x|/scale) on the integers."""
    a = math.exp(-1 / scale)
    return 2 * a / (1 - a * a)


def expected_variance(scale: float) -> float:
    a = math.exp(-1 / scale)
    return 2 * a / (1 - a) ** 2


def measured(scale_asked_of: tuple[int, float]) -> list[int]:
    sensitivity, epsilon = scale_asked_of
    return [v - 100 for v in privacy.laplace([100] * SAMPLES, sensitivity, epsilon)]


@pytest.mark.parametrize(("sensitivity", "epsilon"), [(4, 1.0), (6, 3.0), (1, 0.25)])
def test_the_noise_has_the_scale_sensitivity_over_epsilon(sensitivity, epsilon):
    noise = measured((sensitivity, epsilon))
    scale = sensitivity / epsilon
    mad = statistics.fmean(abs(x) for x in noise)
    spread = math.sqrt((expected_variance(scale) - expected_mean_absolute(scale) ** 2) / SAMPLES)
    assert abs(mad - expected_mean_absolute(scale)) < TOLERANCE_SIGMAS * spread
    # Unbiased: the mean is 0 within the same margin.
    assert abs(statistics.fmean(noise)) < TOLERANCE_SIGMAS * math.sqrt(
        expected_variance(scale) / SAMPLES
    )
    # And the bound is tight enough to tell this scale from one a fifth larger or smaller.
    for other in (scale * 1.2, scale / 1.2):
        assert abs(mad - expected_mean_absolute(other)) > TOLERANCE_SIGMAS * spread


def test_twice_the_epsilon_is_half_the_noise():
    loose = statistics.fmean(abs(x) for x in measured((4, 2.0)))
    tight = statistics.fmean(abs(x) for x in measured((4, 1.0)))
    assert 1.8 < tight / loose < 2.2


def test_a_release_is_noised_over_every_cell_of_its_listed_values_and_adds_up():
    t = Table("by-site", "received", ("site", "channel"), {("a", "web"): 12},
              {"site": ("a", "b"), "channel": ("web", "sms")})  # fmt: skip
    seen = {}

    def noise(counts, sensitivity, epsilon):
        seen.update(counts=list(counts), sensitivity=sensitivity, epsilon=epsilon)
        return [c + d for c, d in zip(counts, (3, -2, 7, 1, 0, 0), strict=True)]

    indicators = Table("b", "indicators", ("site",), {("a",): 12}, {"site": ("a", "b")}, 2)
    noisy = privacy.privatise(Release((t, indicators)), 0.5, noise)
    assert seen["sensitivity"] == 3 and seen["epsilon"] == 0.5
    assert len(seen["counts"]) == 6  # both grids, zeros included
    assert dict(noisy.tables[0].cells) == {("a", "web"): 15, ("a", "sms"): 0, ("b", "web"): 7,
                                           ("b", "sms"): 1}  # fmt: skip
    assert noisy.tables[0].independent and noisy.statistics == ()


def test_noise_needs_every_value_listed():
    t = Table("t", "received", ("site",), {("a",): 12})
    with pytest.raises(ValueError, match="list the values of site"):
        privacy.privatise(Release((t,)), 1.0)
