"""Release commands, transport-free: the admin API, pages and command line call these.

Each decides on the tenant's release stream through the application layer's `execute`
(ADR 0014): two admins publishing the same period at once get one release and one refusal,
never two releases. What a command needs of the tenant (its time zone, to know which
periods are over, and its minimum count k) is read on the tenant's stream (ADR 18, ADR 23).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from redress.events.application import Aggregate, Recorded, Refused, Transaction, execute
from redress.events.catalogue.release import ReleasePublished
from redress.events.envelope import Event, EventData, Metadata
from redress.events.errors import ConcurrencyError
from redress.events.ids import derived_stream
from redress.events.store import EventStore
from redress.kit.signing import GENERATION, public_jwk, tenant_signing_key
from redress.metrics import privacy
from redress.metrics.audit import Audited, unheard
from redress.metrics.disclosure import Release
from redress.metrics.releases.domain import (
    Command,
    PublishRelease,
    ReleaseRefused,
    Releases,
    decide,
    evolve,
    initial,
)
from redress.tenancy.handlers import read_tenant

RELEASES: Aggregate[Releases, Command] = Aggregate(initial, evolve, decide)
# Publishers racing for one period: each computes its release, one appends.
ATTEMPTS = 4


def release_stream(tenant: str) -> str:
    """The tenant's one release stream: its disclosure settings and every release."""
    return derived_stream("release", tenant)


def tenant_keys(root: bytes, tenant: str) -> list[dict[str, str]]:
    """The tenant's public keys as published (a JWK Set's `keys`), every generation so far,
    so releases signed before a new generation still verify."""
    return [public_jwk(tenant_signing_key(root, tenant, g).public_key())
            for g in range(1, GENERATION + 1)]  # fmt: skip


def signed_release(event: ReleasePublished) -> dict[str, Any]:
    """The release as anyone downloads and verifies it: `{"document", "signature"}`."""
    return {"document": json.loads(event.document), "signature": event.signature.model_dump()}


async def configure(
    store: EventStore,
    command: Command,
    metadata: Metadata,
    transaction: Transaction | None = None,
) -> Recorded:
    """Set the noise of the tenant's releases (`SetDisclosure`)."""
    stream = release_stream(metadata.tenant)
    decide = RELEASES.deciding("", command)
    return await execute(store, stream, decide, metadata, transaction=transaction)


@dataclass(frozen=True)
class Publishing:
    """What publishing needs beside the figures: the root of derived keys, the time, and
    whom to tell how far disclosure control is (`audited`: withheld facts bounded, of how
    many; called from the thread that protects the release)."""

    root: bytes
    now: datetime
    noise: privacy.Noise = privacy.laplace
    audited: Audited = unheard


async def publish(
    store: EventStore,
    metadata: Metadata,
    period: str,
    figures: Release,
    publishing: Publishing,
    *,
    corrects: str | None = None,
    release_id: str | None = None,
    transaction: Transaction | None = None,
) -> Recorded:
    """Protect, sign and record a release of `figures` for the closed `period`."""
    tenant = metadata.tenant
    async with store.pool.acquire() as conn:
        state = await read_tenant(conn, tenant)
    settings = state.settings
    if settings is None:
        raise ReleaseRefused("unknown-tenant", f"there is no tenant {tenant!r}")
    today = publishing.now.astimezone(ZoneInfo(settings.time_zone)).date()
    command = PublishRelease(
        tenant=tenant,
        release_id=release_id or str(uuid.uuid4()),
        period=period,
        figures=figures,
        today=today,
        published_at=publishing.now,
        key=tenant_signing_key(publishing.root, tenant),
        k=state.minimum_count,
        corrects=corrects,
        noise=publishing.noise,
        audited=publishing.audited,
    )
    decide = RELEASES.deciding("", command)
    stream = release_stream(tenant)
    # Disclosure control takes seconds to a minute (an integer program per withheld cell):
    # it runs in a thread, before the write's transaction, on the stream as read then; the
    # write appends it only if the stream is still as read, and otherwise starts again.
    for attempt in range(1, ATTEMPTS + 1):
        history = await store.read_stream(stream)
        refusal: Refused | None = None
        try:
            decided = await asyncio.to_thread(decide, history)
        except Refused as exc:
            # Said inside the write, after an Idempotency-Key's first answer is looked up.
            decided, refusal = [], exc

        def unchanged(
            now: list[Event],
            read: int = len(history),
            new: list[EventData] = decided,
            refused: Refused | None = refusal,
        ) -> list[EventData]:
            if len(now) != read:
                raise ConcurrencyError(stream, read)
            if refused is not None:
                raise refused
            return new

        try:
            return await execute(
                store, stream, unchanged, metadata, transaction=transaction, attempts=1
            )
        except ConcurrencyError:
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


async def releases(store: EventStore, tenant: str) -> list[ReleasePublished]:
    """Every release of the tenant as recorded, in the order published."""
    events = await store.read_stream(release_stream(tenant))
    return [e.data for e in events if isinstance(e.data, ReleasePublished)]


def published(recorded: Recorded) -> ReleasePublished:
    [event] = [e for e in recorded.events if isinstance(e, ReleasePublished)]
    return event
