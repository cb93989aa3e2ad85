"""What `GET /v1/tenant` answers, as its OpenAPI documents it.

The handler answers the tenancy domain's export of the tenant as a dict
(`redress.tenancy.tenant.export`); this model says what comes back
(`redress.kit.openapi.documented`), and tests/intake/test_documented_answers.py checks a real
answer against it.
"""

from __future__ import annotations

from pydantic import Field

from redress.kit.openapi import Answer


class Member(Answer):
    org: str
    name: str


class Site(Answer):
    """A workplace in members' supply chains, offered on the worker form."""

    site_id: str
    name: str
    country: str = Field(description="ISO 3166 code")
    member_orgs: list[str] = Field(description="the members whose supply chain it is; none")
    sector: str | None
    tier: int | None = Field(description="its tier in the supply chain: 1, the direct suppliers")


class TimeFrames(Answer):
    """How many days each stage may take (shown to workers)."""

    acknowledge_days: int
    feedback_days: int
    plan_days: int


class FollowUp(Answer):
    """How the initiative follows up by phone."""

    callback_attempts: int = Field(description="calls to an unreached worker, in all")
    callback_retry_days: int = Field(description="days between two of those calls")
    check_in_days: int = Field(
        description="days after its case ends that a worker who reported retaliation is called"
    )


class AlertRecipients(Answer):
    """Who is emailed of what needs someone's attention, by role."""

    officers: list[str]
    supervisors: list[str]
    admins: list[str]


class TenantExport(Answer):
    """What the initiative has told the platform about itself."""

    tenant: str = Field(description="the initiative's slug")
    name: str
    time_zone: str = Field(description="IANA time zone: days are counted in it")
    working_days: list[int] = Field(description="0 is Monday")
    languages: list[str] = Field(description="the languages the worker form offers")
    members: list[Member] = Field(description="the member organisations, by id")
    sites: list[Site] = Field(description="by id")
    time_frames: TimeFrames
    retention_days: int | None = Field(
        description="days personal data is kept after closure; null: until the worker erases it"
    )
    minimum_count: int = Field(description="the smallest count of people any figure shows (k)")
    follow_up: FollowUp
    alert_recipients: AlertRecipients
    hotline: str | None = Field(description="the number workers are given to call; null: none")
    offboarded: bool = Field(description="the initiative has left the platform")
    version: int = Field(description="the tenant stream's version")
