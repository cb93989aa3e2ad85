"""What a framework file may say, checked whole when the service starts.

Two kinds: a `journey` (steps x cumulative levels, the shape of the AIM-Progress
Responsible Sourcing Journey) and a `questionnaire` (chapters of sections of questions, the
shape of the UN guidance's self-assessment questions for MSIs). Either way, every item a
respondent answers is a `Criterion` with an id unique in the file, a source (seed and
section) and, for a journey, the UNGP Principle 31 criteria it serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, model_validator

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=600, pattern=r"\S")]


class Ungp(StrEnum):
    """The effectiveness criteria of UNGP Principle 31, by the codes the platform uses."""

    legitimate = "legitimate"
    accessible = "accessible"
    predictable = "predictable"
    equitable = "equitable"
    transparent = "transparent"
    rights_compatible = "rights_compatible"
    learning = "learning"
    dialogue = "dialogue"

    @property
    def letter(self) -> str:
        """The criterion's letter in Principle 31 (a-h)."""
        return "abcdefgh"[list(Ungp).index(self)]


UNGP_NAMES = {
    Ungp.legitimate: "Legitimate",
    Ungp.accessible: "Accessible",
    Ungp.predictable: "Predictable",
    Ungp.equitable: "Equitable",
    Ungp.transparent: "Transparent",
    Ungp.rights_compatible: "Rights-compatible",
    Ungp.learning: "A source of continuous learning",
    Ungp.dialogue: "Based on engagement and dialogue",
}


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(Strict):
    seed: Annotated[str, StringConstraints(pattern=r"^[0-9]{3}$")]
    section: Text


class Item(Strict):
    id: Id
    text: Text
    source: Id | None = None
    ungp: tuple[Ungp, ...] = ()
    recommendations: tuple[Annotated[int, Field(ge=1, le=27)], ...] = ()


class JourneyCriterion(Item):
    level: Id
    source: Id
    ungp: tuple[Ungp, ...] = Field(min_length=1)


class Step(Strict):
    id: Id
    number: int = Field(ge=1)
    title: Text
    scope: Text
    ungp: tuple[Ungp, ...] = Field(min_length=1)
    source: Id
    criteria: tuple[JourneyCriterion, ...] = Field(min_length=1)


class Section(Strict):
    id: Id
    title: Text
    source: Id
    recommendations: tuple[Annotated[int, Field(ge=1, le=27)], ...] = Field(min_length=1)
    questions: tuple[Item, ...] = Field(min_length=1)


class Chapter(Strict):
    number: int = Field(ge=1)
    title: Text
    sections: tuple[Section, ...] = Field(min_length=1)


class Figure(StrEnum):
    """Figures the platform holds on a member's mechanism (`redress.assessment.evidence`)."""

    acknowledged_on_time = "acknowledged_on_time"
    satisfaction_recorded = "satisfaction_recorded"
    lessons_recorded = "lessons_recorded"


class Rule(Strict):
    """An answer of "met" to `criterion` is contradicted when `figure` is below `below`,
    over at least `min_cases` cases."""

    criterion: Id
    figure: Figure
    below: float = Field(gt=0, le=1)
    min_cases: int = Field(default=5, ge=1)


class Fact(StrEnum):
    """What the platform holds on the initiative's own mechanism (`evidence.initiative`)."""

    languages_offered = "languages_offered"
    anonymous_channel = "anonymous_channel"
    time_frames = "time_frames"
    partners_by_country = "partners_by_country"
    members_assessed = "members_assessed"
    figures_published = "figures_published"


class Shown(Strict):
    """A fact of the platform shown beside a question it bears on."""

    criterion: Id
    fact: Fact


@dataclass(frozen=True)
class Criterion:
    """One thing a respondent answers, wherever the file put it."""

    id: str
    text: str
    group: str
    """The step (journey) or section (questionnaire) it belongs to."""
    level: int | None
    """The index of its level in `levels` (a journey's), or None."""
    rank: int
    """Its place in its group and level: 1 is the first to work on."""
    source: Source
    ungp: tuple[Ungp, ...]
    recommendations: tuple[int, ...]


class Framework(Strict):
    id: Id
    version: int = Field(ge=1)
    kind: Literal["journey", "questionnaire"]
    audience: Literal["member", "msi"]
    """Who answers it: a member company about its mechanism, or the initiative about itself."""
    title: Text
    summary: Text
    published: date
    levels: tuple[Id, ...] = ()
    sources: dict[Id, Source]
    steps: tuple[Step, ...] = ()
    chapters: tuple[Chapter, ...] = ()
    rules: tuple[Rule, ...] = ()
    facts: tuple[Shown, ...] = ()
    _criteria: dict[str, Criterion] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _whole(self) -> Framework:
        problems = _journey(self) if self.kind == "journey" else _questionnaire(self)
        ids = [c.id for c in self.items()]
        problems += [f"criterion {i!r} appears twice" for i in sorted(set(ids)) if ids.count(i) > 1]
        cited = [c.source for c in self.items() if c.source] + [s.source for s in self.steps]
        cited += [s.source for ch in self.chapters for s in ch.sections]
        problems += [f"source {s!r} is not in [sources]" for s in cited if s not in self.sources]
        named = [r.criterion for r in self.rules] + [f.criterion for f in self.facts]
        problems += [f"rule or fact on unknown criterion {c!r}" for c in named if c not in ids]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def items(self) -> list[Item]:
        return [*(c for s in self.steps for c in s.criteria),
                *(q for ch in self.chapters for s in ch.sections for q in s.questions)]  # fmt: skip

    def criteria(self) -> dict[str, Criterion]:
        """Every criterion by id, in the file's order (which is the order of priority)."""
        if self._criteria is None:
            self._criteria = self._index()
        return self._criteria

    def _index(self) -> dict[str, Criterion]:
        out: dict[str, Criterion] = {}
        for step in self.steps:
            for c in step.criteria:
                level = self.levels.index(c.level)
                rank = 1 + sum(1 for o in out.values() if o.group == step.id and o.level == level)
                out[c.id] = Criterion(c.id, c.text, step.id, level, rank, self.sources[c.source],
                                      c.ungp, c.recommendations)  # fmt: skip
        for chapter in self.chapters:
            for section in chapter.sections:
                for rank, q in enumerate(section.questions, 1):
                    source = self.sources[q.source or section.source]
                    out[q.id] = Criterion(q.id, q.text, section.id, None, rank, source, q.ungp,
                                          q.recommendations)  # fmt: skip
        return out

    def groups(self) -> list[str]:
        return [s.id for s in self.steps] or [s.id for ch in self.chapters for s in ch.sections]

    def group_title(self, group: str) -> str:
        """A step's or a section's name, as readers are shown it (never its id)."""
        titles = {s.id: s.title for s in self.steps}
        titles |= {s.id: s.title for ch in self.chapters for s in ch.sections}
        return titles.get(group, group)


def _journey(f: Framework) -> list[str]:
    problems = []
    if f.chapters or not f.steps:
        problems.append("a journey has steps and no chapters")
    if len(f.levels) < 2 or len(set(f.levels)) != len(f.levels):
        problems.append("a journey names at least two distinct levels")
    if [s.number for s in f.steps] != list(range(1, len(f.steps) + 1)):
        problems.append("steps are numbered 1, 2, ... in order")
    for step in f.steps:
        seen = [c.level for c in step.criteria]
        if unknown := sorted(set(seen) - set(f.levels)):
            problems.append(f"step {step.id}: unknown levels {unknown}")
            continue
        if missing := [lv for lv in f.levels if lv not in seen]:
            problems.append(f"step {step.id}: no criteria at {missing}")
        order = [f.levels.index(lv) for lv in seen]
        if order != sorted(order):
            problems.append(f"step {step.id}: criteria are listed level by level, lowest first")
        covered = {u for c in step.criteria for u in c.ungp}
        if covered != set(step.ungp):
            problems.append(f"step {step.id}: names {sorted(step.ungp)} but its criteria serve "
                            f"{sorted(covered)}")  # fmt: skip
    return problems


def _questionnaire(f: Framework) -> list[str]:
    problems = []
    if f.steps or f.levels or not f.chapters:
        problems.append("a questionnaire has chapters, and no steps or levels")
    if [c.number for c in f.chapters] != list(range(1, len(f.chapters) + 1)):
        problems.append("chapters are numbered 1, 2, ... in order")
    for section in (s for ch in f.chapters for s in ch.sections):
        for q in section.questions:
            if not q.recommendations:
                problems.append(f"question {q.id} names no recommendation")
            elif extra := sorted(set(q.recommendations) - set(section.recommendations)):
                problems.append(f"question {q.id}: recommendations {extra} not in its section's")
    return problems
