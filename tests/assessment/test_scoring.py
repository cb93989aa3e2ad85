"""Given answers, when scored, then levels: the cumulative rule, not applicable with and
without a reason, per step and overall, and UNGP coverage. Pure, no I/O."""

from __future__ import annotations

from datetime import date

from redress.assessment.frameworks import Framework, catalogue
from redress.assessment.scoring import Given, score
from redress.events.catalogue.assessment import AnswerValue

MET, PARTLY, NOT_MET, NA = (AnswerValue.met, AnswerValue.partly, AnswerValue.not_met,
                            AnswerValue.not_applicable)  # fmt: skip


def criterion(cid: str, level: str, ungp: list[str]) -> dict:
    return {"id": cid, "level": level, "text": f"criterion {cid}", "source": "s", "ungp": ungp}


SMALL = Framework.model_validate({
    "id": "small", "version": 1, "kind": "journey", "audience": "member", "title": "Small",
    "summary": "Two steps of three levels.", "published": date(2026, 1, 1),
    "levels": ["one", "two", "three"], "sources": {"s": {"seed": "001", "section": "GM RSJ"}},
    "steps": [
        {"id": "a", "number": 1, "title": "A", "scope": "A", "source": "s",
         "ungp": ["legitimate", "accessible"],
         "criteria": [criterion("a1", "one", ["legitimate"]),
                      criterion("a2", "one", ["accessible"]),
                      criterion("a3", "two", ["legitimate"]),
                      criterion("a4", "three", ["legitimate"])]},
        {"id": "b", "number": 2, "title": "B", "scope": "B", "source": "s", "ungp": ["learning"],
         "criteria": [criterion("b1", "one", ["learning"]), criterion("b2", "two", ["learning"]),
                      criterion("b3", "three", ["learning"])]},
    ],
})  # fmt: skip


def answers(**given: AnswerValue | tuple[AnswerValue, str]) -> dict[str, Given]:
    return {k: Given(*v) if isinstance(v, tuple) else Given(v) for k, v in given.items()}


def test_nothing_answered_reaches_no_level():
    reached = score(SMALL, {})
    assert reached.levels() == {"a": None, "b": None}
    assert reached.overall is None
    assert reached.groups[0].next_level == "one" and reached.groups[0].to_do == ("a1", "a2")


def test_a_level_is_reached_when_all_of_it_and_below_is_met():
    reached = score(SMALL, answers(a1=MET, a2=MET, a3=MET, b1=MET))
    assert reached.levels() == {"a": "two", "b": "one"}
    assert reached.overall == "one"  # the weakest step
    a = reached.groups[0]
    assert (a.met, a.total, a.next_level, a.to_do) == (3, 4, "three", ("a4",))


def test_a_higher_level_met_counts_for_nothing_while_a_lower_one_is_not():
    """Cumulative: meeting every Leadership criterion does not make up for a Launched gap."""
    reached = score(SMALL, answers(a1=MET, a2=NOT_MET, a3=MET, a4=MET))
    assert reached.levels()["a"] is None
    assert reached.groups[0].to_do == ("a2",)


def test_partly_is_not_met():
    assert score(SMALL, answers(a1=MET, a2=PARTLY)).levels()["a"] is None


def test_not_applicable_counts_as_met_only_with_a_reason():
    without = score(SMALL, answers(a1=MET, a2=NA, b1=MET))
    blank = score(SMALL, answers(a1=MET, a2=(NA, "   "), b1=MET))
    given = score(SMALL, answers(a1=MET, a2=(NA, "We have no sites with migrant workers."), b1=MET))
    assert without.levels()["a"] is None and blank.levels()["a"] is None
    assert given.levels() == {"a": "one", "b": "one"} and given.overall == "one"


def test_every_level_of_every_step_met_is_the_highest_overall():
    everything = answers(**{c: MET for c in SMALL.criteria()})
    reached = score(SMALL, everything)
    assert reached.levels() == {"a": "three", "b": "three"} and reached.overall == "three"
    assert all(g.next_level is None and g.to_do == () for g in reached.groups)


def test_coverage_counts_per_ungp_criterion_the_criteria_met():
    reached = score(SMALL, answers(a1=MET, a3=MET, b1=PARTLY))
    assert reached.coverage == {"legitimate": (2, 3), "accessible": (0, 1), "learning": (0, 3)}


def test_the_shipped_journey_scores_per_step_with_its_launched_criteria_first():
    journey = catalogue().latest("gm-journey")
    launched = [
        c.id for c in journey.criteria().values() if c.group == "governance" and c.level == 0
    ]
    reached = score(journey, answers(**{c: MET for c in launched}))
    assert reached.levels() == {"governance": "launched", "establishing": None,
                                "implementing": None, "evaluating": None}  # fmt: skip
    assert reached.overall is None
    assert reached.groups[0].to_do == ("gov-e1", "gov-e2", "gov-e3")
    assert reached.groups[1].to_do == ("est-l1", "est-l2", "est-l3", "est-l4")


def test_a_questionnaire_counts_per_section():
    questions = catalogue().latest("un-msi-questions")
    reached = score(questions, answers(**{"q3-1": MET, "q3-3": MET, "q1-1": PARTLY}))
    by = {g.group: g for g in reached.groups}
    assert (by["ch3-grievance"].met, by["ch3-grievance"].total) == (2, 5)
    assert by["ch3-grievance"].to_do == ("q3-2", "q3-4", "q3-5")
    assert (by["ch1-awareness"].met, by["ch1-awareness"].level) == (0, None)
    assert reached.overall is None
