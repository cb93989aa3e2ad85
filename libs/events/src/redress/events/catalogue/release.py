"""Events of the `release` stream: a tenant's published figures, written by metrics.

One stream per tenant (`derived_stream("release", tenant)`): the noise its releases carry,
if any, with its budget, and every release, in the order published. The minimum count k is
the tenant's (`MinimumCountSet` on the tenant stream); each release records the k it used. A
release is frozen in its event: the document exactly as signed (RFC 8785 canonical JSON)
and its Ed25519 signature, never changed; a correction is a later release naming the one it
corrects (docs/metrics.md).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from redress.events.catalogue import event, upcaster
from redress.events.envelope import EventData

PERIOD = r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$"
"""A calendar year (`2025`), quarter (`2025-Q1`) or month (`2025-03`)."""


@event
class DisclosureSettingsSet(EventData):
    """The noise the tenant's releases carry: with `epsilon`, counts carry noise spending
    that much privacy per release, at most `yearly_budget` over the releases of one calendar
    year's periods; without, none.

    Version 2 left k to the tenant stream (`MinimumCountSet`), the one setting for all figures.
    """

    type = "DisclosureSettingsSet"
    stream_type = "release"
    schemaversion = 2

    epsilon: float | None = Field(default=None, gt=0, le=100)
    yearly_budget: float | None = Field(default=None, gt=0, le=1000)


@upcaster("DisclosureSettingsSet", 1)
def _k_left_to_the_tenant(raw: dict[str, Any]) -> dict[str, Any]:
    # Version 1 held k too; the tenant stream's `MinimumCountSet` decides it now (ADR 23).
    return {key: value for key, value in raw.items() if key != "k"}


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
