"""Operations on the whole system: migrations and projection replays."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from redress.events.migrations import eventlog_component, migrate
from redress.events.projection import ProjectionRunner, RebuildRunning, rebuild_beside
from redress.kit.keyset import KeysetFile, init_keyset, keyset_file, keyset_location
from redress.kit.registry import service, services
from redress.kit.rotation import Rotated, rotate
from redress.kit.runtime import bus_for, open_nats, open_pool
from redress.kit.service import ServiceSpec
from redress.kit.settings import ConfigurationError, Settings


async def apply_migrations(settings: Settings) -> list[str]:
    # A migration may build an index on a large log: no statement timeout here.
    pool = await open_pool(settings, size=1, bounded=False)
    try:
        async with pool.acquire() as conn:
            components = [eventlog_component(), *(s.component for s in services().values())]
            return await migrate(conn, components)
    finally:
        await pool.close()


def replayable(spec: ServiceSpec, settings: Settings) -> list[str]:
    return [p.name for p in spec.projections_for(settings) if p.replayable]


def all_replayable(settings: Settings) -> list[str]:
    """`<service>.<projection>` of every projection `redress replay` rebuilds."""
    return [f"{name}.{p}" for name, spec in services().items() for p in replayable(spec, settings)]


async def replay_projection(settings: Settings, qualified: str, *, offline: bool = False) -> int:
    """Rebuild a projection beside its live tables and swap it in (or, `offline`, in place)."""
    service_name, _, projection_name = qualified.partition(".")
    spec = service(service_name)
    projections = {p.name: p for p in spec.projections_for(settings)}
    if projection_name not in projections:
        known = ", ".join(f"{service_name}.{n}" for n in replayable(spec, settings)) or "none"
        raise ConfigurationError(f"no projection {qualified!r}; {service_name} has: {known}")
    if not projections[projection_name].replayable:
        raise ConfigurationError(
            f"{qualified} is never replayed: what it writes reaches outside (an outbox), not a"
            " read model"
        )
    pool = await open_pool(settings, role=f"redress_{spec.name}")
    nc = await open_nats(settings, f"replay-{service_name}")
    try:
        projection = projections[projection_name]
        js = nc.jetstream()
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        ) as progress:
            task = progress.add_task(f"replaying {qualified}", total=None)

            def report(done: int, end: int) -> None:
                progress.update(task, completed=done, total=end)

            if offline:
                runner = ProjectionRunner(projection, pool, js, bus_for(settings))
                return await runner.replay(on_progress=report)
            try:
                return await rebuild_beside(projection, pool, js, bus_for(settings),
                                            on_progress=report)  # fmt: skip
            except RebuildRunning as exc:
                raise ConfigurationError(str(exc)) from None
    finally:
        await nc.close()
        await pool.close()


async def rotate_keys(settings: Settings) -> Rotated:
    """Rotate the key-encryption key now, with a progress bar of the re-wrapped data keys;
    first, each service's own work before a rotation, on a pool of its role."""
    keys = keyset_file(settings)
    for spec in services().values():
        if spec.before_key_rotation is not None:
            own = await open_pool(settings, role=settings.database_role or f"redress_{spec.name}",
                                  size=2)  # fmt: skip
            try:
                await spec.before_key_rotation(settings, own)
            finally:
                await own.close()
    pool = await open_pool(settings, role=settings.database_role or "redress_intake", size=2)
    try:
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        ) as progress:
            task = progress.add_task("re-wrapping data keys", total=None)
            return await rotate(
                settings.require_database(),
                pool,
                keys,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
    finally:
        await pool.close()


def init_keys(settings: Settings, *, if_missing: bool = False) -> tuple[Path, bool]:
    """Create the keyset file (adopting REDRESS_MASTER_KEY as its first KEK when set)."""
    keys = KeysetFile(keyset_location(settings))
    if keys.exists():
        if if_missing:
            return keys.path, False
        raise ConfigurationError(f"a keyset already exists at {keys.path}")
    init_keyset(settings, keys)
    return keys.path, True
