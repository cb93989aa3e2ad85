"""Given a case's plan, when a member company, a supplier or a facilitator acts on it, then
the actions it may take, or a refusal; and which cases each party reaches. Pure."""

from datetime import date

import pytest

from redress.cases import corrections
from redress.cases.domain import (
    Accept,
    AddAction,
    Advance,
    AssignFacilitator,
    CaseRefused,
    Close,
    OpenCase,
    Outcome,
    Owner,
    Remedy,
    Reopen,
    Stage,
    UpdateAction,
    decide,
    fold,
)
from redress.cases.parties import Party, PlanRefused, reaches
from redress.events import catalogue
from redress.events.catalogue.case import PlanActionAdded, PlanActionUpdated

DAY = date(2026, 3, 2)
MEMBER = Party(Owner.member_company, "acme")
SUPPLIER = Party(Owner.supplier, "dhaka-1")
FACILITATOR = Party(Owner.facilitator, "fair-remedy")
OTHER_SUPPLIER = Party(Owner.supplier, "pp-2")
OTHER_FACILITATOR = Party(Owner.facilitator, "other-body")
OPEN = OpenCase("case-1", "g", "wages_and_benefits", "BD", DAY, site_id="dhaka-1",
                member_org="acme")  # fmt: skip
TO_PLAN = (Accept(DAY), Advance(Stage.response, DAY), Advance(Stage.remediation_plan, DAY))


def history(*commands) -> list:
    events: list = []
    for command in commands:
        events += decide(command, fold(events))
    return events


def add(action_id: str, owner: Owner, by: Party | None = None) -> AddAction:
    return AddAction(action_id, Remedy.wage_restitution, owner, DAY, "Pay the wages", by)


def refused(given: list, command) -> tuple[str, int]:
    with pytest.raises(CaseRefused) as caught:
        decide(command, fold(given))
    return caught.value.kind, caught.value.status


IN_PLAN = history(OPEN, *TO_PLAN, AssignFacilitator("fair-remedy"))
# One action for each kind of party, added by the initiative's staff.
PLANNED = history(OPEN, *TO_PLAN, AssignFacilitator("fair-remedy"),
                  *(add(f"a-{owner.value}", owner) for owner in Owner))  # fmt: skip


def test_each_action_records_which_of_its_kind_owns_it():
    owners = {e.action_id: e.owner_org for e in PLANNED if isinstance(e, PlanActionAdded)}
    assert owners == {"a-member_company": "acme", "a-supplier": "dhaka-1",
                      "a-facilitator": "fair-remedy", "a-msi": None}  # fmt: skip
    assert {k: a.owner_org for k, a in fold(PLANNED).actions.items()} == owners


def test_an_action_for_a_party_the_case_has_none_of_yet_goes_to_the_one_it_gets():
    siteless = history(OpenCase("case-2", "g2", "other", None, DAY), *TO_PLAN,
                       add("s", Owner.supplier), add("f", Owner.facilitator),
                       add("m", Owner.member_company))  # fmt: skip
    assert {e.owner_org for e in siteless if isinstance(e, PlanActionAdded)} == {None}
    assert not reaches(SUPPLIER, fold(siteless))
    corrected = siteless + corrections.decide(
        corrections.Correct("Named the mill", site_id="dhaka-1", member_org="acme"), siteless
    )
    assigned = corrected + decide(AssignFacilitator("fair-remedy"), fold(corrected))
    state = fold(assigned)
    assert {k: a.owner_org for k, a in state.actions.items()} == {
        "s": "dhaka-1", "f": "fair-remedy", "m": "acme"
    }  # fmt: skip
    assert all(reaches(p, state) for p in (MEMBER, SUPPLIER, FACILITATOR))


def test_a_named_owner_keeps_its_actions_when_the_site_or_the_facilitator_changes():
    moved = PLANNED + corrections.decide(
        corrections.Correct("Another mill", site_id="pp-2", member_org=None), PLANNED
    )
    moved += decide(AssignFacilitator("other-body"), fold(moved))
    state = fold(moved)
    assert state.actions["a-supplier"].owner_org == "dhaka-1"
    assert state.actions["a-facilitator"].owner_org == "fair-remedy"
    # Each still reaches the case through its own action; the new ones through nothing yet
    # (a supplier) or the assignment (a facilitator); the member lost it with the site.
    assert reaches(SUPPLIER, state) and reaches(FACILITATOR, state)
    assert not reaches(OTHER_SUPPLIER, state) and reaches(OTHER_FACILITATOR, state)
    assert not reaches(MEMBER, state)
    added = decide(add("new", Owner.supplier), state)
    assert added[0].owner_org == "pp-2"


def test_a_version_1_action_belongs_to_the_case_s_party_as_the_case_then_stood():
    raw = {"case_id": "case-1", "action_id": "old", "remedy": "apology", "owner": "supplier",
           "due_on": "2026-03-31", "description": "Apologise"}  # fmt: skip
    assert PlanActionAdded.schemaversion == 2
    old = catalogue.load("PlanActionAdded", 1, raw)
    assert old.owner_org is None
    assert fold([*IN_PLAN, old]).actions["old"].owner_org == "dhaka-1"
    assert reaches(SUPPLIER, fold([*IN_PLAN, old]))
    current = catalogue.load("PlanActionAdded", 2, raw | {"owner_org": "pp-2"})
    assert fold([*IN_PLAN, current]).actions["old"].owner_org == "pp-2"


def test_a_supplier_reaches_a_case_only_once_the_plan_gives_it_an_action():
    # Its site's case, verified and planned: not the supplier's to see until it owns an action.
    assert not reaches(SUPPLIER, fold(IN_PLAN))
    assert reaches(SUPPLIER, fold(PLANNED)) and not reaches(OTHER_SUPPLIER, fold(PLANNED))
    # A facilitator reaches the cases it facilitates; a member its supply chain's.
    assert reaches(FACILITATOR, fold(IN_PLAN)) and not reaches(OTHER_FACILITATOR, fold(IN_PLAN))
    assert reaches(MEMBER, fold(IN_PLAN))
    assert not reaches(Party(Owner.member_company, "other-co"), fold(IN_PLAN))


def test_a_supplier_does_not_see_its_case_verified_again_after_a_reopening():
    closed = PLANNED + history_from(PLANNED, Advance(Stage.implementation, DAY),
                                    Close(Outcome.unresolved))  # fmt: skip
    assert reaches(SUPPLIER, fold(closed))
    reopened = closed + history_from(closed, Reopen("New evidence", DAY))
    assert fold(reopened).stage is Stage.verification
    assert not reaches(SUPPLIER, fold(reopened))
    assert reaches(FACILITATOR, fold(reopened)) and reaches(MEMBER, fold(reopened))


def history_from(given: list, *commands) -> list:
    events: list = []
    for command in commands:
        events += decide(command, fold(given + events))
    return events


def test_a_member_adds_actions_for_itself_and_its_supplier_only():
    for owner in (Owner.member_company, Owner.supplier):
        (event,) = decide(add("new", owner, MEMBER), fold(PLANNED))
        assert (event.owner, event.owner_org) == (owner.value, {
            Owner.member_company: "acme", Owner.supplier: "dhaka-1"}[owner])  # fmt: skip
    for owner in (Owner.msi, Owner.facilitator):
        assert refused(PLANNED, add("new", owner, MEMBER)) == ("not-your-action", 403)


def test_a_supplier_or_a_facilitator_adds_no_action():
    for party in (SUPPLIER, FACILITATOR):
        for owner in Owner:
            assert refused(PLANNED, add("new", owner, party)) == ("not-your-action", 403)


def test_a_refused_party_is_told_so_whatever_the_case_s_state():
    closed = history(
        OPEN,
        *TO_PLAN,
        add("a", Owner.member_company),
        Advance(Stage.implementation, DAY),
        UpdateAction("a", "Done", done=True),
        Close(Outcome.resolved),
    )
    assert refused(closed, add("new", Owner.msi, MEMBER)) == ("not-your-action", 403)
    assert refused(closed, add("new", Owner.supplier, MEMBER)) == ("not-open", 409)


def test_each_party_reports_on_the_actions_it_may_and_no_other():
    may = {
        MEMBER: {"a-member_company", "a-supplier"},
        SUPPLIER: {"a-supplier"},
        FACILITATOR: {"a-facilitator"},
        OTHER_SUPPLIER: set(),
        OTHER_FACILITATOR: set(),
    }
    for party, own in may.items():
        for action_id in fold(PLANNED).actions:
            update = UpdateAction(action_id, "Half done", "receipt.pdf", by=party)
            if action_id in own:
                assert decide(update, fold(PLANNED)) == [PlanActionUpdated(
                    case_id="case-1", action_id=action_id, progress="Half done",
                    evidence="receipt.pdf")]  # fmt: skip
            elif party is MEMBER:  # it sees the plan: told it is not its to report on
                assert refused(PLANNED, update) == ("not-your-action", 403)
            else:  # it sees its own actions only: another's is none to it
                assert refused(PLANNED, update) == ("unknown-action", 409)


def test_a_member_reports_on_no_other_member_s_action():
    moved = PLANNED + corrections.decide(
        corrections.Correct("Another mill", site_id="pp-2", member_org="other-co"), PLANNED
    )
    other = Party(Owner.member_company, "other-co")
    assert refused(moved, UpdateAction("a-member_company", "x", by=other)) == (
        "not-your-action", 403)  # fmt: skip


def test_a_party_s_own_action_done_or_waived_takes_no_more_progress():
    done = PLANNED + decide(UpdateAction("a-supplier", "Paid", done=True, by=SUPPLIER),
                            fold(PLANNED))  # fmt: skip
    assert refused(done, UpdateAction("a-supplier", "Again", by=SUPPLIER)) == ("action-done", 409)
    # Another's done action is still none of a supplier's business: unknown, not done.
    assert refused(done, UpdateAction("a-supplier", "x", by=OTHER_SUPPLIER)) == (
        "unknown-action", 409)  # fmt: skip


def test_the_refusal_of_a_party_is_a_plan_refusal_answered_403():
    with pytest.raises(PlanRefused) as caught:
        decide(add("new", Owner.msi, MEMBER), fold(PLANNED))
    assert caught.value.status == 403
