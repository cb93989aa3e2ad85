"""Tenant commands from the command line: the platform's operator sets up a new MSI."""

from __future__ import annotations

import asyncpg

from redress.events.envelope import Actor, Metadata
from redress.events.store import EventStore
from redress.kit.admin import apply_migrations
from redress.kit.runtime import open_pool
from redress.kit.settings import Settings
from redress.tenancy.domain import Command
from redress.tenancy.handlers import Outcome, execute, load
from redress.tenancy.tenant import Tenant

OPERATOR = Actor(id="redress-cli", role="platform")
"""Who acts from the command line: whoever runs it holds the database's credentials."""


async def tenant_command(settings: Settings, slug: str, command: Command) -> Outcome:
    """Decide and record `command`; a fresh database gets its migrations first."""
    await apply_migrations(settings)
    pool = await open_pool(settings, size=1)
    try:
        return await execute(EventStore(pool), slug, command, Metadata(tenant=slug, actor=OPERATOR))
    finally:
        await pool.close()


async def tenant_state(settings: Settings, slug: str) -> Tenant:
    pool = await open_pool(settings, size=1)
    try:
        return (await load(EventStore(pool), slug))[0]
    finally:
        await pool.close()


async def tenant_known(settings: Settings, slug: str) -> bool:
    """Whether `slug` is a registered tenant; a database the migrations never reached has
    no log yet, and so no tenant."""
    pool = await open_pool(settings, size=1)
    try:
        return (await load(EventStore(pool), slug))[0].registered
    except asyncpg.UndefinedTableError:
        return False
    finally:
        await pool.close()
