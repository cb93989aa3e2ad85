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


class RecipientsInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    officers: list[Address] = Field(default=[], max_length=MOST,
                                    description="emailed when a case misses a stage or a "
                                    "critical case arrives")  # fmt: skip
    supervisors: list[Address] = Field(default=[], max_length=MOST,
                                       description="emailed on the same alerts, as the "
                                       "people who answer for the officers")  # fmt: skip
    admins: list[Address] = Field(default=[], max_length=MOST,
                                  description="emailed when a partner's webhook endpoint is "
                                  "disabled or a delivery to a partner is given up")  # fmt: skip


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
    """Set who is emailed alerts, every role as given (a role left out is nobody's); 422
    `bad-email` for what is no address, changing nothing."""
    chosen = SetAlertRecipients(tuple(body.officers), tuple(body.supervisors), tuple(body.admins))
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
