"""Optional differential privacy: noisy counts from OpenDP, an epsilon per release.

A tenant that asks for it publishes every count of a release with noise drawn by OpenDP's
discrete Laplace mechanism (`make_laplace` over a vector of integers, L1 distance). One case
changes at most `contributions` cells of each table, so the release's counts move by at most
the sum of those over its tables (its L1 sensitivity); the noise's scale is that sum over
epsilon, and OpenDP's own privacy map confirms the scale spends no more than epsilon.

Only each table's finest cells are noised; its margins are their sums (post-processing,
free of privacy loss), so every table adds up. Noisy tables are not tied to each other (each
stands alone): the totals of two tables of a noisy release differ a little. Statistics
(medians, means) are not published under noise: they would need a mechanism of their own;
a histogram (a count table by bucket or score) is published instead. Disclosure control
still runs on the noisy counts, which costs no privacy either.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from redress.metrics.disclosure import Release, Table

Noise = Callable[[Sequence[int], int, float], list[int]]
"""(counts, L1 sensitivity, epsilon) -> noisy counts. The real one is `laplace`."""


def sensitivity(release: Release) -> int:
    """How far one case can move the release's counts, summed over its tables (L1)."""
    return sum(t.contributions for t in release.tables)


def scale(sensitivity: int, epsilon: float) -> float:
    """The Laplace scale that spends `epsilon` on counts of this sensitivity."""
    if epsilon <= 0:
        raise ValueError("epsilon must be positive")
    return sensitivity / epsilon


def _mechanism(noise_scale: float) -> Any:
    import opendp.prelude as dp  # imported when used: the library is large

    dp.enable_features("contrib")
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
    return dp.m.make_laplace(*space, scale=noise_scale)


def laplace(counts: Sequence[int], sensitivity: int, epsilon: float) -> list[int]:
    """Counts with discrete Laplace noise of scale sensitivity/epsilon, drawn by OpenDP."""
    mechanism = _mechanism(scale(sensitivity, epsilon))
    spent = float(mechanism.map(sensitivity))
    if spent > epsilon * (1 + 1e-9):  # OpenDP's accounting is the authority, not ours
        raise ArithmeticError(f"the mechanism would spend {spent}, more than {epsilon}")
    return [int(v) for v in mechanism(list(counts))]


def privatise(release: Release, epsilon: float, noise: Noise = laplace) -> Release:
    """The release's count tables with noise, each table on its own; statistics left out."""
    for t in release.tables:
        missing = [d for d in t.dimensions if d not in t.values]
        if missing:
            raise ValueError(
                f"table {t.name}: list the values of {', '.join(missing)}; under noise the "
                "cells shown must not depend on which values occurred"
            )
    grids = [list(t.grid()) for t in release.tables]
    flat = [t.cells.get(key, 0) for t, grid in zip(release.tables, grids, strict=True)
            for key in grid]  # fmt: skip
    noisy = iter(noise(flat, sensitivity(release), epsilon))
    tables = []
    for t, grid in zip(release.tables, grids, strict=True):
        # Clamped at 0: a negative count tells nothing more and confuses every reader.
        cells = {key: max(0, next(noisy)) for key in grid}
        tables.append(
            Table(t.name, t.measure, t.dimensions, cells, t.values, t.contributions, True)
        )
    return Release(tuple(tables))
