"""The tenant admin API: settings, member organisations, sites, time frames, retention, k.

Every route calls the tenancy domain's handlers; none writes a tenant event itself. The paths
intake had before (`/v1/sites/{id}`, `/v1/time-frames`, `/v1/retention`) stay as deprecated
aliases of `/v1/tenant/...` so that existing clients keep working.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from redress.intake.context import IntakeContext
from redress.intake.tenant_answers import TenantExport
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.countries import Country
from redress.kit.deps import Store, metadata_for, permitted
from redress.kit.errors import Problem
from redress.kit.i18n import LANGUAGES, Catalogues, ReviewState, direction
from redress.kit.numbers import JSON_INTEGER
from redress.kit.openapi import answers, documented
from redress.kit.text import Line
from redress.tenancy.domain import (
    ORG,
    SITE,
    AdmitMember,
    ChangeSettings,
    Command,
    RegisterSite,
    SetMinimumCount,
    SetRetention,
    SetTimeFrames,
    time_zones,
)
from redress.tenancy.handlers import Outcome, execute, load, tenant_stream
from redress.tenancy.tenant import export

router = APIRouter(prefix="/v1", tags=["tenant"])
Admin = Annotated[Principal, Depends(permitted(Action.tenant_configure))]

TENANT_ANSWERS = answers(404, 410)
# A refusal that depends on the tenant's state is a conflict; one about the input alone, 422.
Day = Annotated[int, Field(ge=0, le=6), JSON_INTEGER]
PlatformLanguage = Annotated[str, Field(json_schema_extra={"enum": list[JsonValue](LANGUAGES)})]
OrgId = Annotated[str, Path(pattern=ORG.pattern, max_length=200)]
SiteId = Annotated[str, Path(pattern=SITE.pattern, max_length=100)]


async def run(store: Store, principal: Admin, command: Command) -> Outcome:
    return await execute(store, principal.tenant, command, metadata_for(principal))


class Written(BaseModel):
    stream: str
    version: int


def written(done: Outcome) -> Written:
    return Written(stream=done.stream, version=done.version)


class TenantSettingsInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Line = Field(min_length=1, max_length=200)
    time_zone: str = Field(
        max_length=64,
        description="IANA time zone, e.g. Asia/Dhaka",
        json_schema_extra={"enum": list[JsonValue](sorted(time_zones()))},
    )
    working_days: list[Day] = Field(min_length=1, max_length=7, description="0 is Monday")
    languages: list[PlatformLanguage] = Field(
        min_length=1, max_length=32, description="the languages the worker form offers"
    )


@router.get("/tenant", responses=TENANT_ANSWERS | documented(TenantExport, "The tenant, whole"))
async def show_tenant(principal: Admin, store: Store) -> dict[str, Any]:
    """The tenant's settings, members, sites, time frames and retention: an export as JSON."""
    state, version = await load(store, principal.tenant)
    if not state.registered:
        raise Problem(404, "unknown-tenant", f"there is no initiative {principal.tenant!r}")
    return {**export(state), "version": version}


class Language(BaseModel):
    code: str
    name: str = Field(description="the language's name in itself")
    direction: Literal["ltr", "rtl"]
    offered: bool = Field(description="whether this initiative's worker form offers it")
    review: ReviewState = Field(
        description="of the worker pages' catalogue: `needs-review` was drafted without a native "
        "speaker; `reviewed` was read by one (`reviewed_by`, on `reviewed_on`)"
    )
    drafted_on: datetime.date | None
    reviewed_on: datetime.date | None
    reviewed_by: str | None


@router.get("/tenant/languages", response_model=list[Language], responses=TENANT_ANSWERS)
async def tenant_languages(principal: Admin, store: Store, intake: IntakeContext) -> list[Language]:
    """Every language the platform speaks, whether this initiative offers it, and whether a
    native speaker has reviewed the worker pages in it."""
    state, _ = await load(store, principal.tenant)
    if not state.registered or state.settings is None:
        raise Problem(404, "unknown-tenant", f"there is no initiative {principal.tenant!r}")
    offered = set(state.settings.languages)
    return [_language(code, code in offered, intake.pages.catalogues) for code in LANGUAGES]


def _language(code: str, offered: bool, catalogues: Catalogues) -> Language:
    review = catalogues.review(code)
    return Language(code=code, name=LANGUAGES[code], offered=offered,
                    direction="rtl" if direction(code) == "rtl" else "ltr",
                    review=review.state, drafted_on=review.drafted,
                    reviewed_on=review.reviewed, reviewed_by=review.by)  # fmt: skip


@router.put("/tenant", response_model=Written, responses=TENANT_ANSWERS)
async def change_tenant(body: TenantSettingsInput, principal: Admin, store: Store) -> Written:
    """Change the name, time zone, working days or form languages (all are given)."""
    command = ChangeSettings(body.name, body.time_zone, tuple(body.working_days),
                             tuple(body.languages))  # fmt: skip
    return written(await run(store, principal, command))


class MemberInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Line = Field(min_length=1, max_length=200)


@router.put("/tenant/members/{org}", response_model=Written, responses=TENANT_ANSWERS)
async def admit_member(org: OrgId, body: MemberInput, principal: Admin, store: Store) -> Written:
    """Admit a member organisation (or rename it); the same again changes nothing."""
    return written(await run(store, principal, AdmitMember(org, body.name)))


class SiteInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Line = Field(min_length=1, max_length=200)
    country: Country
    member_orgs: list[Annotated[str, Field(max_length=200, pattern=ORG.pattern)]] = Field(
        default_factory=list, max_length=100, json_schema_extra={"uniqueItems": True},
        description="the member organisations whose supply chain it is in; may be several",
    )  # fmt: skip
    sector: Line | None = Field(None, max_length=100)
    tier: Annotated[int, Field(ge=1, le=9), JSON_INTEGER] | None = Field(
        None, description="1: the members' direct suppliers; 2: their suppliers; ..."
    )


@router.put("/tenant/sites/{site_id}", response_model=Written, responses=TENANT_ANSWERS)
async def register_site(
    site_id: SiteId, body: SiteInput, principal: Admin, store: Store
) -> Written:
    """Add or change a workplace offered on the worker form; the same site again changes nothing."""
    command = RegisterSite(site_id, body.name, body.country, tuple(body.member_orgs),
                           body.sector, body.tier)  # fmt: skip
    return written(await run(store, principal, command))


class TimeFramesInput(BaseModel):
    """Days each stage may take; workers see the expected date of their case's stage.

    Whole numbers as the schema says: `true` or "7" are not a number of days.
    """

    model_config = ConfigDict(extra="forbid")

    acknowledge_days: Annotated[int, Field(ge=1, le=365), JSON_INTEGER] = 7
    feedback_days: Annotated[int, Field(ge=1, le=730), JSON_INTEGER] = 90
    plan_days: Annotated[int, Field(ge=1, le=730), JSON_INTEGER] = 45


@router.put("/tenant/time-frames", response_model=Written, responses=TENANT_ANSWERS)
async def set_time_frames(body: TimeFramesInput, principal: Admin, store: Store) -> Written:
    """Set the initiative's time frames; cases opened from now on follow them."""
    command = SetTimeFrames(body.acknowledge_days, body.feedback_days, body.plan_days)
    return written(await run(store, principal, command))


class RetentionInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: int | None = Field(
        ge=1,
        le=3650,
        description="days after a case is closed or rejected before the grievance's personal "
        "data is erased (unless the case is under a legal hold); null keeps it until the "
        "worker erases it",
    )


class RetentionAnswer(BaseModel):
    days: int | None
    stream: str
    version: int


@router.put("/tenant/retention", response_model=RetentionAnswer, responses=TENANT_ANSWERS)
async def set_retention(body: RetentionInput, principal: Admin, store: Store) -> RetentionAnswer:
    """Set the retention period after closure; the platform erases what is past it by itself."""
    done = await run(store, principal, SetRetention(body.days))
    return RetentionAnswer(days=done.state.retention_days, stream=done.stream,
                           version=done.version)  # fmt: skip


@router.get("/tenant/retention", response_model=RetentionAnswer, responses=TENANT_ANSWERS)
async def get_retention(principal: Admin, store: Store) -> RetentionAnswer:
    state, version = await load(store, principal.tenant)
    if not state.registered:
        raise Problem(404, "unknown-tenant", f"there is no initiative {principal.tenant!r}")
    return RetentionAnswer(days=state.retention_days, stream=tenant_stream(principal.tenant),
                           version=version)  # fmt: skip


class MinimumCountInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The schema says 3 to 1000; the body takes from 1, so that the tenancy domain refuses a
    # smaller k by its own name (422 `k-too-low`) rather than as any invalid number.
    k: Annotated[int, Field(ge=1, le=1000, json_schema_extra={"minimum": 3}), JSON_INTEGER] = Field(
        description="the smallest count of people any figure or breakdown shows (at least 3); "
        "metrics and assessment withhold or merge what is smaller"
    )


class MinimumCountAnswer(BaseModel):
    k: int
    stream: str
    version: int


@router.put("/tenant/minimum-count", response_model=MinimumCountAnswer, responses=TENANT_ANSWERS)
async def set_minimum_count(
    body: MinimumCountInput, principal: Admin, store: Store
) -> MinimumCountAnswer:
    """Set the initiative's minimum count k; 422 `k-too-low` below 3, changing nothing."""
    done = await run(store, principal, SetMinimumCount(body.k))
    return MinimumCountAnswer(k=done.state.minimum_count, stream=done.stream,
                              version=done.version)  # fmt: skip


@router.get("/tenant/minimum-count", response_model=MinimumCountAnswer, responses=TENANT_ANSWERS)
async def get_minimum_count(principal: Admin, store: Store) -> MinimumCountAnswer:
    state, version = await load(store, principal.tenant)
    if not state.registered:
        raise Problem(404, "unknown-tenant", f"there is no initiative {principal.tenant!r}")
    return MinimumCountAnswer(k=state.minimum_count, stream=tenant_stream(principal.tenant),
                              version=version)  # fmt: skip


# The paths intake had before the tenancy domain, kept for existing clients.
router.put(
    "/time-frames",
    response_model=Written,
    responses=TENANT_ANSWERS,
    deprecated=True,
    summary="Set time frames (alias of PUT /v1/tenant/time-frames)",
)(set_time_frames)
router.put(
    "/retention",
    response_model=RetentionAnswer,
    responses=TENANT_ANSWERS,
    deprecated=True,
    summary="Set retention (alias of PUT /v1/tenant/retention)",
)(set_retention)
router.get("/retention", response_model=RetentionAnswer, responses=TENANT_ANSWERS, deprecated=True,
           summary="Get retention (alias of GET /v1/tenant/retention)")(get_retention)  # fmt: skip


class LegacySiteInput(BaseModel):
    site_id: str = Field(pattern=SITE.pattern)
    name: Line = Field(min_length=1, max_length=200)
    country: Country
    member_org: Annotated[str, Field(pattern=ORG.pattern)] | None = None


@router.put("/sites/{site_id}", response_model=Written, responses=TENANT_ANSWERS, deprecated=True)
async def register_site_alias(
    site_id: str, body: LegacySiteInput, principal: Admin, store: Store
) -> Written:
    """Alias of PUT /v1/tenant/sites/{site_id} with one member; it admits that member if needed.

    The site is replaced as given: a sector, tier or other members it had are dropped.
    """
    if body.site_id != site_id:
        raise Problem(422, "validation", "the site_id in the path and the body differ")
    members: tuple[str, ...] = ()
    if body.member_org:
        state, _ = await load(store, principal.tenant)
        if body.member_org not in state.members:
            await run(store, principal, AdmitMember(body.member_org, body.member_org))
        members = (body.member_org,)
    command = RegisterSite(site_id, body.name, body.country, members)
    return written(await run(store, principal, command))
