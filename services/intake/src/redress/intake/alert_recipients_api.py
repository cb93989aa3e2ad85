"""The tenant's alert recipients: the addresses cases and referral email, per role
(docs/cases.md, docs/referral.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from redress.events.catalogue.tenant import AlertRecipientsSet
from redress.intake.tenant_api import TENANT_ANSWERS, Admin, run
from redress.kit.deps import Store
from redress.kit.errors import Problem
from redress.kit.openapi import answers
from redress.tenancy.handlers import load, tenant_stream
from redress.tenancy.recipients import ADDRESS, MOST, SetAlertRecipients

router = APIRouter(prefix="/v1", tags=["tenant"])

# The pattern is documented, not enforced here: the tenancy domain refuses what is no
# address by its own name (422 `bad-email`).
Address = Annotated[
    str,
    Field(min_length=3, max_length=254, examples=["officer@msi.example"],
          json_schema_extra={"pattern": ADDRESS.pattern}),
]  # fmt: skip


_KEPT = "; left out (or null), the role's addresses stay as they are; [] names nobody"


class RecipientsInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    officers: list[Address] | None = Field(None, max_length=MOST,
                                           description="emailed when a case misses a stage "
                                           "or a critical case arrives" + _KEPT)  # fmt: skip
    supervisors: list[Address] | None = Field(None, max_length=MOST,
                                              description="emailed on the same alerts, as "
                                              "the people who answer for the officers"
                                              + _KEPT)  # fmt: skip
    admins: list[Address] | None = Field(None, max_length=MOST,
                                         description="emailed when a partner's webhook "
                                         "endpoint is disabled or a delivery to a partner is "
                                         "given up" + _KEPT)  # fmt: skip


class RecipientsAnswer(BaseModel):
    officers: list[str]
    supervisors: list[str]
    admins: list[str]
    stream: str
    version: int


@router.put("/tenant/alert-recipients", response_model=RecipientsAnswer,
            responses={**TENANT_ANSWERS, **answers(422)})  # fmt: skip
async def set_alert_recipients(
    body: RecipientsInput, principal: Admin, store: Store
) -> RecipientsAnswer:
    """Set who is emailed alerts, each role named as given (a role left out keeps its
    addresses: a client written before a role existed empties none); 422 `bad-email` for what
    is no address, changing nothing."""
    named = (body.officers, body.supervisors, body.admins)
    chosen = SetAlertRecipients(*(None if given is None else tuple(given) for given in named))
    done = await run(store, principal, chosen)
    return _answer(done.state.alert_recipients, done.stream, done.version)


@router.get("/tenant/alert-recipients", response_model=RecipientsAnswer, responses=TENANT_ANSWERS)
async def get_alert_recipients(principal: Admin, store: Store) -> RecipientsAnswer:
    state, version = await load(store, principal.tenant)
    if not state.registered:
        raise Problem(404, "unknown-tenant", f"there is no initiative {principal.tenant!r}")
    return _answer(state.alert_recipients, tenant_stream(principal.tenant), version)


def _answer(chosen: AlertRecipientsSet, stream: str, version: int) -> RecipientsAnswer:
    return RecipientsAnswer(officers=list(chosen.officers), supervisors=list(chosen.supervisors),
                            admins=list(chosen.admins), stream=stream,
                            version=version)  # fmt: skip
