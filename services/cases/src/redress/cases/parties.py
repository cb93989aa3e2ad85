"""The parties of a remediation plan, pure: who, besides the initiative's staff, reaches a
case and acts on its plan.

A member company reaches the cases of its supply chain; it adds and reports on actions for
itself and for its supplier, never for the initiative or a facilitator. A supplier (the
facility, by its site id) reaches a case only once the plan gives it an action there: never
while the allegation is verified, when learning of it could bring retaliation or a cleaned-up
site visit. A facilitator (a remediation expert body) reaches the cases it is assigned to
facilitate and those where it owns an action. Suppliers and facilitators report on the
actions they own, and on no other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from redress.cases.case_state import Action, Case, CaseRefused, Owner, Stage, Status


@dataclass(frozen=True)
class Party:
    """A member company, supplier or facilitator, by the organisation its token names."""

    kind: Owner
    org: str


class PlanRefused(CaseRefused):
    """A party acting on actions that are not its to act on."""

    statuses: ClassVar[dict[str, int]] = {"not-your-action": 403}


# What a member company may own or report on: its own actions and its supplier's.
MEMBER_OWNS = frozenset({Owner.member_company, Owner.supplier})


def owns(party: Party, action: Action) -> bool:
    """The action is the party's own."""
    return action.owner == party.kind and action.owner_org == party.org


# Stages in which a supplier does not see a case it owns actions of: a reopened case is
# verified again, and a supplier that learnt of it could retaliate or prepare the site.
UNSEEN_BY_SUPPLIERS = frozenset({Stage.admissibility, Stage.verification})


def reaches(party: Party, state: Case) -> bool:
    """The party may see the case at all (redacted)."""
    if (party.kind is Owner.supplier and state.status is Status.open
            and state.stage in UNSEEN_BY_SUPPLIERS):  # fmt: skip
        return False
    match party.kind:
        case Owner.member_company:
            return state.member_org == party.org
        case Owner.facilitator if state.facilitator == party.org:
            return True
    return any(owns(party, action) for action in state.actions.values())


def may_add(party: Party, owner: Owner) -> None:
    """A member adds actions for itself or its supplier; suppliers and facilitators none."""
    if party.kind is not Owner.member_company:
        raise PlanRefused("not-your-action", "only the initiative and the member company add "
                          "actions to the plan")  # fmt: skip
    if owner not in MEMBER_OWNS:
        raise PlanRefused(
            "not-your-action",
            "a member company adds actions for itself or its supplier, not for the initiative "
            "or a facilitator",
        )


def may_update(party: Party, action: Action) -> None:
    """A member reports on its own and its supplier's actions; a supplier or a facilitator
    on its own only (another's is, to it, no action at all: it never sees one)."""
    if party.kind is Owner.member_company:
        if not (owns(party, action) or action.owner == Owner.supplier):
            raise PlanRefused(
                "not-your-action",
                "a member company reports on its own and its supplier's actions, not on the "
                "initiative's or a facilitator's",
            )
    elif not owns(party, action):
        raise CaseRefused("unknown-action", "there is no such action in the plan")
