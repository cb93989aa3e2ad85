"""Given/when/then: consequences for a supplier, and systemic issues (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from redress.cases import supply_chain as sc
from redress.cases.domain import Owner
from redress.events.catalogue.supply_chain import (
    CasesLinked,
    Consequence,
    SupplierConsequenceDecided,
    SystemicActionAdded,
    SystemicIssueOpened,
)

TODAY = date(2026, 12, 3)
C = Consequence


def decided(consequence: Consequence) -> SupplierConsequenceDecided:
    return SupplierConsequenceDecided(
        site_id="s", consequence=consequence, reasons="r", case_ids=("case-1",),
        steps=("step",), decided_on=TODAY,
    )  # fmt: skip


def when(consequence: Consequence, case_ids=("case-1",), steps=("step",)):
    return sc.DecideConsequence("s", consequence, "r", case_ids, steps, TODAY)


@pytest.mark.parametrize(
    ("given", "then"),
    [
        ([], C.corrective_action),
        ([], C.suspension),
        ([], C.exit),
        ([C.corrective_action], C.suspension),
        ([C.corrective_action, C.suspension], C.exit),
        ([C.suspension], C.reinstatement),
        ([C.suspension, C.reinstatement], C.corrective_action),
    ],
)
def test_a_consequence_follows_what_may_precede_it(given, then):
    steps = () if then is C.reinstatement else ("step",)
    events = sc.decide_consequence(when(then, steps=steps), [decided(g) for g in given])
    assert [e.consequence for e in events] == [then]


@pytest.mark.parametrize(
    ("given", "then", "kind"),
    [
        ([C.exit], C.corrective_action, "supplier-exited"),
        ([C.exit], C.reinstatement, "supplier-exited"),
        ([], C.reinstatement, "wrong-consequence"),
        ([C.corrective_action], C.reinstatement, "wrong-consequence"),
        ([C.suspension], C.suspension, "wrong-consequence"),
    ],
)
def test_forbidden_transitions_are_refused(given, then, kind):
    with pytest.raises(sc.SupplyChainRefused) as refused:
        sc.decide_consequence(when(then), [decided(g) for g in given])
    assert refused.value.kind == kind


def test_a_consequence_names_the_cases_behind_it_and_carries_its_plan():
    with pytest.raises(sc.SupplyChainRefused) as no_cases:
        sc.decide_consequence(when(C.suspension, case_ids=()), [])
    assert (no_cases.value.kind, no_cases.value.status) == ("no-cases", 422)
    with pytest.raises(sc.SupplyChainRefused) as no_steps:
        sc.decide_consequence(when(C.exit, steps=()), [])
    assert (no_steps.value.kind, no_steps.value.status) == ("no-steps", 422)


def test_opening_an_issue_links_its_cases_once_and_linking_again_adds_only_new_ones():
    opened = sc.decide_issue(
        sc.OpenIssue("systemic-1", "Underage workers", "s", "child_labour", ("a", "b", "a")),
        sc.Issue(),
    )
    assert opened == [
        SystemicIssueOpened(issue_id="systemic-1", title="Underage workers", site_id="s",
                            category="child_labour"),
        CasesLinked(issue_id="systemic-1", case_ids=("a", "b")),
    ]  # fmt: skip
    issue = sc.fold_issue(opened)
    assert sc.decide_issue(sc.LinkCases(("b", "c")), issue) == [
        CasesLinked(issue_id="systemic-1", case_ids=("c",))
    ]
    with pytest.raises(sc.SupplyChainRefused) as linked:
        sc.decide_issue(sc.LinkCases(("a",)), issue)
    assert linked.value.kind == "already-linked"


def test_an_issue_must_exist_and_group_a_case():
    with pytest.raises(sc.SupplyChainRefused) as unknown:
        sc.decide_issue(sc.LinkCases(("a",)), sc.Issue())
    assert (unknown.value.kind, unknown.value.status) == ("unknown-issue", 404)
    with pytest.raises(sc.SupplyChainRefused) as empty:
        sc.decide_issue(sc.OpenIssue("systemic-1", "t", None, None, ()), sc.Issue())
    assert empty.value.kind == "no-cases"
    again = sc.fold_issue([SystemicIssueOpened(issue_id="systemic-1", title="t")])
    with pytest.raises(sc.SupplyChainRefused):
        sc.decide_issue(sc.OpenIssue("systemic-1", "t", None, None, ("a",)), again)


def test_an_issue_has_its_own_plan():
    issue = sc.fold_issue([SystemicIssueOpened(issue_id="systemic-1", title="t")])
    [added] = sc.decide_issue(
        sc.AddIssueAction("act-1", "Age checks at the gate", Owner.supplier, None), issue
    )
    assert added == SystemicActionAdded(
        issue_id="systemic-1", action_id="act-1", description="Age checks at the gate",
        owner="supplier",
    )  # fmt: skip
