"""The framework files shipped with the service: their shape, and that no published version
ever changes (an assessment is read against the version it was started on, for ever)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from redress.assessment.frameworks import DATA, FrameworkError, catalogue, check, load
from redress.assessment.frameworks.model import Ungp

# Every published version and the sha256 of its file. Editing a published file fails here:
# publish a new version beside it instead (docs/assessment.md).
PUBLISHED = {
    ("gm-journey", 1): "e9fb648e067c",
    ("un-msi-questions", 1): "4442cea82ef5",
}
LEVELS = ("launched", "established", "integrated", "leadership")
STEPS = ("governance", "establishing", "implementing", "evaluating")


def test_no_published_version_changes_or_disappears():
    frameworks = catalogue()
    shipped = {(f.id, f.version): frameworks.digest(f.id, f.version)[:12] for f in frameworks.all()}
    assert {k: v for k, v in shipped.items() if k in PUBLISHED} == PUBLISHED


def test_the_journey_has_four_steps_of_four_levels_each_with_criteria():
    journey = catalogue().latest("gm-journey")
    assert journey is not None and journey.kind == "journey" and journey.audience == "member"
    assert journey.levels == LEVELS
    assert tuple(s.id for s in journey.steps) == STEPS
    criteria = journey.criteria().values()
    for step in STEPS:
        for level in range(4):
            cell = [c for c in criteria if c.group == step and c.level == level]
            assert len(cell) >= 3, (step, LEVELS[level])
            assert [c.rank for c in cell] == list(range(1, len(cell) + 1))


def test_every_criterion_has_a_source_and_serves_a_ungp_criterion():
    for framework in catalogue().all():
        for c in framework.criteria().values():
            assert c.source.seed in ("000", "001", "002", "003", "004"), c.id
            assert c.source.section.strip(), c.id
            if framework.kind == "journey":
                assert c.ungp, c.id
    journey = catalogue().latest("gm-journey")
    served = {u for c in journey.criteria().values() for u in c.ungp}
    assert served == set(Ungp), "every criterion of Principle 31 is served somewhere"
    assert [u.letter for u in Ungp] == list("abcdefgh")


def test_launched_criteria_are_in_priority_order():
    """The file's order is the order of priority: the first Launched criterion of each step
    is the first thing to do, and the ranks say so."""
    journey = catalogue().latest("gm-journey")
    for step in journey.steps:
        launched = [c for c in step.criteria if c.level == "launched"]
        ranks = [journey.criteria()[c.id].rank for c in launched]
        assert ranks == list(range(1, len(launched) + 1)), step.id
    first = {s.id: next(c.id for c in s.criteria) for s in journey.steps}
    assert first == {"governance": "gov-l1", "establishing": "est-l1",
                     "implementing": "imp-l1", "evaluating": "eva-l1"}  # fmt: skip


def test_the_un_questions_come_chapter_by_chapter_with_their_recommendations():
    questions = catalogue().latest("un-msi-questions")
    assert questions is not None and questions.kind == "questionnaire"
    assert questions.audience == "msi"
    assert [c.number for c in questions.chapters] == [1, 2, 3]
    sections = [s for ch in questions.chapters for s in ch.sections]
    assert len(sections) == 7
    covered = sorted({r for s in sections for r in s.recommendations})
    assert covered == list(range(1, 28)), "every recommendation, R1 to R27, has its section"
    for c in questions.criteria().values():
        assert c.recommendations and c.source.seed == "004", c.id
    assert len(questions.criteria()) == 30


def broken(tmp_path: Path, edit) -> Path:
    for f in DATA.glob("*.toml"):
        shutil.copy(f, tmp_path / f.name)
    target = tmp_path / "gm-journey-1.toml"
    target.write_text(edit(target.read_text()))
    return tmp_path


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (lambda t: t.replace('level = "leadership"', 'level = "established"'),
         "no criteria at ['leadership']"),
        (lambda t: t.replace('source = "iom-steps"', 'source = "nowhere"', 1),
         "source 'nowhere' is not in [sources]"),
        (lambda t: t.replace('ungp = ["legitimate"]\n', "ungp = []\n", 1), "at least 1 item"),
        (lambda t: t.replace('id = "gov-l2"', 'id = "gov-l1"'), "'gov-l1' appears twice"),
        (lambda t: t.replace("version = 1", "version = 2"), "holds gm-journey version 2"),
        (lambda t: t.replace('id = "gov-e1"\nlevel = "established"', 'id = "gov-e1"\nlevel = '
                             '"integrated"'), "listed level by level"),
        (lambda t: t + "\nunexpected = true\n", "Extra inputs are not permitted"),
        (lambda t: t.replace('criterion = "imp-l1"', 'criterion = "imp-l9"'),
         "rule or fact on unknown criterion 'imp-l9'"),
    ],
)  # fmt: skip
def test_a_framework_file_that_does_not_validate_stops_the_service(tmp_path, edit, said):
    with pytest.raises(FrameworkError) as refused:
        load(broken(tmp_path, edit))
    assert said in str(refused.value)


def test_the_service_checks_its_frameworks_before_it_serves():
    from redress.assessment.app import service

    assert check in service.checks
    check(None)  # the shipped files pass
