"""The tenant admin API for the initiative's hotline: `/v1/tenant/hotline`.

The number the initiative's desk answers. Workers are given it where a text or a page asks
them to call (a question waiting for them, the answer to STATUS), so that one with a basic
phone, who cannot open a web page, knows whom to call. The tenancy domain decides what is a
number; the texts and pages read it on the tenant's stream.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from redress.intake.tenant_api import TENANT_ANSWERS, Admin, run
from redress.kit.deps import Store
from redress.kit.errors import Problem
from redress.tenancy.handlers import load, tenant_stream
from redress.tenancy.hotline import (
    BAD_HOTLINE,
    MAX_DIGITS,
    MIN_DIGITS,
    NUMBER,
    SetHotline,
    as_written,
)

router = APIRouter(prefix="/v1", tags=["tenant"])


def _a_number(value: object) -> object:
    # As the admin pages take it (spaces around dropped, any script's digits), and said in
    # words before the schema's pattern is checked: its own message is the regex.
    if not isinstance(value, str):
        return value
    if (number := as_written(value)) and not re.fullmatch(NUMBER, number):
        raise PydanticCustomError("bad-hotline", BAD_HOTLINE)
    return number


Number = Annotated[str, Field(max_length=40, pattern=f"^$|{NUMBER}"), BeforeValidator(_a_number)]


class HotlineInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: Number | None = Field(
        description=f"{MIN_DIGITS} to {MAX_DIGITS} digits, a + before them if international, "
        "single spaces or hyphens between them if you like (`+880 9612-345678`, a short code "
        "such as `16357`); null or empty: no number is given to workers",
        examples=["+880 9612-345678"],
    )


class HotlineAnswer(HotlineInput):
    stream: str
    version: int


@router.put("/tenant/hotline", response_model=HotlineAnswer, responses=TENANT_ANSWERS)
async def set_hotline(body: HotlineInput, principal: Admin, store: Store) -> HotlineAnswer:
    """Set the number workers are given to call; texts sent from now on give it. The same
    number again records nothing. 422 `bad-hotline` when it is not a number."""
    done = await run(store, principal, SetHotline(body.number))
    return HotlineAnswer(number=done.state.hotline, stream=done.stream, version=done.version)


@router.get("/tenant/hotline", response_model=HotlineAnswer, responses=TENANT_ANSWERS)
async def get_hotline(principal: Admin, store: Store) -> HotlineAnswer:
    state, version = await load(store, principal.tenant)
    if not state.registered:
        raise Problem(404, "unknown-tenant", f"there is no initiative {principal.tenant!r}")
    return HotlineAnswer(
        number=state.hotline, stream=tenant_stream(principal.tenant), version=version
    )
