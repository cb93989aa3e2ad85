"""What readers are shown beside the read model: scores and frameworks, as JSON."""

from __future__ import annotations

from typing import Any

from redress.assessment.evidence import Shares, contradicted
from redress.assessment.frameworks import Framework, Frameworks
from redress.assessment.frameworks.model import UNGP_NAMES, Ungp
from redress.assessment.scoring import Given, Score, score
from redress.events.catalogue.assessment import AnswerValue


def score_json(s: Score) -> dict[str, Any]:
    return {
        "overall": s.overall,
        "groups": [{"group": g.group, "level": g.level, "met": g.met, "total": g.total,
                    "next_level": g.next_level, "to_next_level": list(g.to_do)}
                   for g in s.groups],
        "ungp": [{"code": u.value, "letter": u.letter, "name": UNGP_NAMES[u],
                  "met": s.coverage[u.value][0], "total": s.coverage[u.value][1]}
                 for u in Ungp if u.value in s.coverage],
    }  # fmt: skip


def framework_of(found: dict[str, Any], frameworks: Frameworks) -> Framework:
    framework = frameworks.get(found["framework"], found["version"])
    assert framework is not None  # a published version is never removed (test_frameworks)
    return framework


def scored(found: dict[str, Any], frameworks: Frameworks,
           facts: tuple[dict[str, Any], Shares] | None = None) -> dict[str, Any]:  # fmt: skip
    """The assessment with the score its answers reach now, on its own framework version,
    and the platform's evidence beside it with the answers that evidence contradicts."""
    framework = framework_of(found, frameworks)
    answers = {cid: Given(AnswerValue(a["answer"]), a["reason"])
               for cid, a in found["answers"].items()}  # fmt: skip
    evidence = None
    if facts is not None:
        shown, shares = facts
        bears_on: dict[str, list[str]] = {}
        for rule in framework.rules:
            bears_on.setdefault(rule.criterion, []).append(rule.figure.value)
        evidence = shown | {"bears_on": bears_on,
                            "contradicted": contradicted(framework, answers, shares)}  # fmt: skip
    unsupported = [cid for cid, g in answers.items()
                   if g.answer is AnswerValue.not_applicable and not g.reason.strip()]  # fmt: skip
    return found | {
        "framework_title": framework.title,
        "score": score_json(score(framework, answers)),
        "unanswered": [c for c in framework.criteria() if c not in answers],
        "not_applicable_without_reason": unsupported,
        "evidence": evidence,
    }


def summary(f: Framework, latest: bool) -> dict[str, Any]:
    return {"id": f.id, "version": f.version, "kind": f.kind, "audience": f.audience,
            "title": f.title, "summary": f.summary, "published": f.published.isoformat(),
            "latest": latest, "criteria": len(f.criteria())}  # fmt: skip


def framework_json(f: Framework) -> dict[str, Any]:
    """The framework whole: levels, steps or chapters, and each criterion with its source,
    its UNGP criteria (code and letter) and its rank in its level."""
    criteria = f.criteria()

    def item(cid: str) -> dict[str, Any]:
        c = criteria[cid]
        return {"id": c.id, "text": c.text, "rank": c.rank,
                "level": f.levels[c.level] if c.level is not None else None,
                "source": {"seed": c.source.seed, "section": c.source.section},
                "ungp": [{"code": u.value, "letter": u.letter} for u in c.ungp],
                "recommendations": list(c.recommendations)}  # fmt: skip

    body = summary(f, latest=False) | {"levels": list(f.levels)}
    body.pop("latest")
    if f.kind == "journey":
        body["steps"] = [
            {"id": s.id, "number": s.number, "title": s.title, "scope": s.scope,
             "ungp": [u.value for u in s.ungp], "criteria": [item(c.id) for c in s.criteria]}
            for s in f.steps
        ]  # fmt: skip
    else:
        body["chapters"] = [{"number": ch.number, "title": ch.title, "sections": [
            {"id": s.id, "title": s.title, "recommendations": list(s.recommendations),
             "questions": [item(q.id) for q in s.questions]} for s in ch.sections]}
            for ch in f.chapters]  # fmt: skip
    return body


def compared(one: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any] | None:
    """Per step, the level of the rating before beside this one's (agreed, or as the answers
    stand), for a re-assessment."""
    if before is None or not before.get("levels"):
        return None
    now = one["levels"] or {g["group"]: g["level"] for g in one["score"]["groups"]}
    order = [g["group"] for g in one["score"]["groups"]]  # the framework's, not the keys'
    steps = sorted(before["levels"].items(),
                   key=lambda s: order.index(s[0]) if s[0] in order else len(order))  # fmt: skip
    return {"assessment_id": before["assessment_id"], "version": before["version"],
            "rated_at": before["rated_at"], "overall": before["overall"],
            "steps": [{"step": step, "before": level, "now": now.get(step)}
                      for step, level in steps]}  # fmt: skip


RATING_SAID = ("RatingProposed", "RatingDisputed", "RatingAgreed")


def rating_said(thread: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The assessment's own thread, on no criterion: each rating proposed (with the
    officer's comment), disputed (with the member's reason) and agreed, oldest first."""
    return [t for t in thread if not t["criterion"] and t["type"] in RATING_SAID]
