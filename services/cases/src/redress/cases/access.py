"""Who may call the cases API: the principals its routes ask for."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from redress.cases.handlers import is_member, named, party_of
from redress.cases.parties import Party
from redress.kit.auth import Principal
from redress.kit.authz import Action, allowed
from redress.kit.deps import authorise, permitted
from redress.kit.errors import Problem

Officer = Annotated[Principal, Depends(permitted(Action.case_manage))]
PlanAdder = Annotated[Principal, Depends(permitted(Action.plan_action_add))]
PlanEditor = Annotated[Principal, Depends(permitted(Action.plan_action_update))]
Reader = Annotated[Principal, Depends(permitted(Action.case_read))]


def plan_party(principal: Principal) -> Party | None:
    """A supplier or facilitator, which reads only the cases and actions that are its own;
    None for staff and member companies."""
    return None if is_member(principal) else party_of(principal)


def is_plan_party(principal: Principal) -> bool:
    return plan_party(principal) is not None


def may_read(principal: Principal) -> Principal:
    """The principal authorised to read cases: in full (staff), redacted (members), or a
    supplier's or facilitator's own (redacted further)."""
    if allowed(principal.roles, Action.case_read):
        return authorise(principal, Action.case_read)
    if not (is_member(principal) or is_plan_party(principal)):
        raise Problem(403, "forbidden", "your roles do not allow reading cases")
    named(principal)
    return authorise(
        principal, Action.case_read_redacted if is_member(principal) else Action.plan_read_own
    )
