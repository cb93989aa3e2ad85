"""Who may call the cases API: the principals its routes ask for."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from redress.cases.handlers import is_member, named
from redress.kit.auth import Principal
from redress.kit.authz import Action, allowed
from redress.kit.deps import authorise, permitted
from redress.kit.errors import Problem

Officer = Annotated[Principal, Depends(permitted(Action.case_manage))]
PlanEditor = Annotated[Principal, Depends(permitted(Action.plan_action_update))]
Reader = Annotated[Principal, Depends(permitted(Action.case_read))]


def may_read(principal: Principal) -> Principal:
    """The principal authorised to read cases, in full (staff) or redacted (members)."""
    if not (allowed(principal.roles, Action.case_read) or is_member(principal)):
        raise Problem(403, "forbidden", "your roles do not allow reading cases")
    named(principal)
    return authorise(
        principal, Action.case_read_redacted if is_member(principal) else Action.case_read
    )
