"""Callbacks scheduled before the callback index existed are found by their outcome too."""

from __future__ import annotations

from datetime import date

import pytest

from redress.events.catalogue.audit import AuditRegistered, CallbackScheduled
from redress.events.catalogue.grievance import Sealed
from redress.events.envelope import Metadata
from redress.events.migrations import migrate
from redress.intake import callback_index
from redress.intake.app import service

SEALED = Sealed(key_id="audit-a1", ciphertext="c2VhbGVk")


@pytest.fixture
def database_components() -> list:
    """The log holds callbacks before intake's migrations run: its database starts without them."""
    return []


async def test_the_migration_indexes_the_callbacks_already_in_the_log(system):
    registered = AuditRegistered(audit_id="a1", site_id="dhaka-1", country="BD",
                                 audit_date=date(2025, 3, 10), workers=2)  # fmt: skip
    scheduled = [
        CallbackScheduled(audit_id="a1", callback_id=f"cb{n}", due_on=date(2025, 3, 15),
                          language=language, contact=SEALED)
        for n, language in enumerate(("bn", "km"))
    ]  # fmt: skip
    await system.store.append("audit-a1", [registered, *scheduled], 0, Metadata(tenant="acme"))
    async with system.pool.acquire() as conn:
        await migrate(conn, [service.component])
        assert await callback_index.audit_of(conn, "acme", "cb1") == callback_index.CallbackOf(
            "a1", "km"
        )
        assert await callback_index.audit_of(conn, "other", "cb1") is None
        assert await callback_index.audit_of(conn, "acme", "cb9") is None
