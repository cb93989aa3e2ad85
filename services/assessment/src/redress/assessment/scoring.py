"""Scoring, pure: what levels a set of answers reaches on a framework.

A level of a step is reached only when every criterion of it and of every level below it is
met; not applicable counts as met only with a reason given. Unanswered and `partly` count as
not met. The overall level is the lowest of the steps' (a mechanism is as mature as its
weakest step). Coverage says, per UNGP Principle 31 criterion, how many of the criteria
serving it are met. A questionnaire has no levels: each section counts what is met.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from redress.assessment.frameworks import Criterion, Framework
from redress.events.catalogue.assessment import AnswerValue


@dataclass(frozen=True)
class Given:
    answer: AnswerValue
    reason: str = ""


def counts_as_met(given: Given | None) -> bool:
    if given is None:
        return False
    if given.answer is AnswerValue.not_applicable:
        return bool(given.reason.strip())
    return given.answer is AnswerValue.met


@dataclass(frozen=True)
class GroupScore:
    group: str
    level: str | None
    """The highest level reached (a journey's step), or None."""
    met: int
    total: int
    next_level: str | None
    """The level to reach next (None once the highest is reached, or for a questionnaire)."""
    to_do: tuple[str, ...]
    """The criteria not met that stand between the step and its next level, lowest level
    first and in priority order: what an action plan starts from."""


@dataclass(frozen=True)
class Score:
    groups: tuple[GroupScore, ...]
    overall: str | None
    coverage: Mapping[str, tuple[int, int]]
    """Per UNGP criterion code: (criteria serving it met, criteria serving it)."""

    def levels(self) -> dict[str, str | None]:
        return {g.group: g.level for g in self.groups}


def score(framework: Framework, answers: Mapping[str, Given]) -> Score:
    criteria = framework.criteria()
    met = {cid for cid in criteria if counts_as_met(answers.get(cid))}
    groups = tuple(_group(framework, g, criteria, met) for g in framework.groups())
    overall = None
    if framework.kind == "journey":
        reached = [framework.levels.index(g.level) if g.level else -1 for g in groups]
        lowest = min(reached)
        overall = framework.levels[lowest] if lowest >= 0 else None
    coverage: dict[str, tuple[int, int]] = {}
    for c in criteria.values():
        for u in c.ungp:
            done, total = coverage.get(u.value, (0, 0))
            coverage[u.value] = (done + (c.id in met), total + 1)
    return Score(groups, overall, coverage)


def _group(f: Framework, group: str, criteria: dict[str, Criterion], met: set[str]) -> GroupScore:
    mine = [c for c in criteria.values() if c.group == group]
    done = sum(1 for c in mine if c.id in met)
    if f.kind != "journey":
        to_do = tuple(c.id for c in mine if c.id not in met)
        return GroupScore(group, None, done, len(mine), None, to_do)
    reached = -1
    for index in range(len(f.levels)):
        if all(c.id in met for c in mine if c.level is not None and c.level <= index):
            reached = index
        else:
            break
    level = f.levels[reached] if reached >= 0 else None
    if reached + 1 == len(f.levels):
        return GroupScore(group, level, done, len(mine), None, ())
    to_do = tuple(c.id for c in mine if c.level is not None and c.level <= reached + 1
                  and c.id not in met)  # fmt: skip
    return GroupScore(group, level, done, len(mine), f.levels[reached + 1], to_do)
