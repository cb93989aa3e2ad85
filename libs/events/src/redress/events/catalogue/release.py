"""Events of the `release` stream: a tenant's published figures, written by metrics.

One stream per tenant (`derived_stream("release", tenant)`): the rules its releases follow
(k, and optional noise with its budget) and every release, in the order published. A
release is frozen in its event: the document exactly as signed (RFC 8785 canonical JSON)
and its Ed25519 signature, never changed; a correction is a later release naming the one it
corrects (docs/metrics.md).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from redress.events.catalogue import event
from redress.events.envelope import EventData

PERIOD = r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$"
"""A calendar year (`2025`), quarter (`2025-Q1`) or month (`2025-03`)."""


@event
class DisclosureSettingsSet(EventData):
    """What the tenant's releases may show: no count below `k` (at least 3); with `epsilon`,
    counts carry noise spending that much privacy per release, at most `yearly_budget` over
    the releases of one calendar year's periods."""

    type = "DisclosureSettingsSet"
    stream_type = "release"

    k: int = Field(ge=3, le=1000)
    epsilon: float | None = Field(default=None, gt=0, le=100)
    yearly_budget: float | None = Field(default=None, gt=0, le=1000)


class ReleaseSignature(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    alg: str = Field(pattern=r"^EdDSA$")
    kid: str = Field(max_length=100)
    value: str = Field(max_length=200)


@event
class ReleasePublished(EventData):
    """A release of figures for a closed period, signed with the tenant's key.

    `document` is the signed text itself; the other fields repeat what readers of the log
    need without parsing it.
    """

    type = "ReleasePublished"
    stream_type = "release"

    release_id: str = Field(max_length=100)
    number: int = Field(ge=1)
    period: str = Field(pattern=PERIOD)
    corrects: str | None = Field(default=None, max_length=100)
    k: int = Field(ge=3)
    epsilon: float | None = Field(default=None, gt=0)
    document: str = Field(max_length=20_000_000)
    signature: ReleaseSignature
