"""One generated tenant for the whole run: two years, about 2,000 grievances, recorded by
`redress seed figures`'s generator through the real commands, then projected by the
metrics service's own runners from the JetStream stream the relay filled."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import httpx
import nats
import pytest
from fastapi import FastAPI
from nats.js import JetStreamContext

from redress.cases.app import service as cases_service
from redress.events.bus import Bus
from redress.events.envelope import Actor, Metadata
from redress.events.migrations import Component, migrate
from redress.events.projection import Projection, ProjectionRunner
from redress.events.relay import Relay
from redress.events.store import EventStore
from redress.intake.app import service as intake_service
from redress.kit.auth import TokenSigner, signer_for
from redress.kit.service import app_for
from redress.kit.settings import Settings
from redress.metrics.app import service as metrics_service
from redress.referral.app import service as referral_service
from redress.synth.run import Recorded
from redress.synth.seed import seed_figures
from redress.tenancy.domain import RegisterTenant
from redress.tenancy.handlers import execute as tenancy
from tests.cases.conftest import serve
from tests.conftest import new_database
from tests.events.helpers import running, wait_until

# The generated tenant takes a minute or two on a busy machine: more than one test's
# default deadline, spent once for the run.
TIMEOUT = 900
TENANT = "synthetic"
GRIEVANCES = int(os.environ.get("REDRESS_SYNTH_GRIEVANCES", "2000"))
START = date(2024, 1, 1)


@dataclass
class Generated:
    dsn: str
    settings: Settings
    pool: asyncpg.Pool
    js: JetStreamContext
    bus: Bus
    recorded: Recorded
    seconds: dict[str, float]

    @property
    def store(self) -> EventStore:
        return EventStore(self.pool)

    def projections(self) -> list[Projection]:
        return list(metrics_service.projections_for(self.settings))

    async def caught_up(self) -> None:
        """Run each metrics projection from its checkpoint to the stream's end."""
        for projection in self.projections():
            await ProjectionRunner(projection, self.pool, self.js, self.bus).catch_up()


@pytest.fixture
def database_components() -> list[Component]:
    return [metrics_service.component]


@pytest.fixture(scope="session")
async def generated(servers) -> AsyncIterator[Generated]:
    components = [c.component for c in (intake_service, cases_service, referral_service,
                                        metrics_service)]  # fmt: skip
    dsn = await new_database(servers.database_url, components)
    bus = Bus(stream=f"SYNTH_{os.getpid()}", prefix=f"synth{os.getpid()}.events")
    nc = await nats.connect(servers.nats_url)
    js = nc.jetstream()
    await bus.ensure_stream(js)
    data = Path(tempfile.mkdtemp(prefix="redress-synth-"))
    settings = Settings(dev=True, database_url=dsn, nats_url=servers.nats_url,
                        nats_stream=bus.stream, nats_subject_prefix=bus.prefix, data_dir=data,
                        log_json=True, _env_file=None)  # fmt: skip
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=10)
    seconds: dict[str, float] = {}
    began = time.perf_counter()
    recorded = await seed_figures(settings, TENANT, GRIEVANCES, 7, START, 24, 6, lambda *_: None)
    seconds["generate"] = time.perf_counter() - began
    relay = Relay(dsn, js, bus, poll_interval=0.05)
    async with running(relay.run()):
        total = await pool.fetchval("SELECT count(*) FROM eventlog.events")
        await wait_until(lambda: published(js, bus, total), timeout=120)
    seconds["publish"] = time.perf_counter() - began - seconds["generate"]
    found = Generated(dsn, settings, pool, js, bus, recorded, seconds)
    await found.caught_up()
    seconds["project"] = time.perf_counter() - began - seconds["generate"] - seconds["publish"]
    seconds["events"] = total
    print(f"\ngenerated tenant: {seconds}")
    yield found
    await pool.close()
    await js.delete_stream(bus.stream)
    await nc.close()


async def published(js: JetStreamContext, bus: Bus, total: int) -> bool:
    return await bus.last_sequence(js) >= total


API_TENANT = "figures-msi"


@dataclass
class FiguresApi:
    """The metrics app as `redress serve` builds it, with one registered initiative."""

    client: httpx.AsyncClient
    app: FastAPI
    system: object
    signer: TokenSigner

    def token(self, roles=("admin",), tenant=API_TENANT, sub="admin-1") -> dict:
        return {"Authorization": f"Bearer {self.signer.issue(sub, tenant, list(roles), None)}"}


@pytest.fixture
async def figures_api(system, tmp_path) -> AsyncIterator[FiguresApi]:
    settings = Settings(dev=True, database_url=system.dsn, nats_url=system.nats_url,
                        nats_stream=system.bus.stream, nats_subject_prefix=system.bus.prefix,
                        data_dir=tmp_path, log_json=True, _env_file=None)  # fmt: skip
    async with system.pool.acquire() as conn:
        await migrate(conn, [metrics_service.component])
    meta = Metadata(tenant=API_TENANT, actor=Actor(id="admin-1", role="admin"))
    await tenancy(system.store, API_TENANT,
                  RegisterTenant(API_TENANT, "Figures MSI", "Asia/Dhaka"), meta)  # fmt: skip
    app = app_for("metrics", settings)
    async with AsyncExitStack() as stack:
        client = await serve(stack, app)
        yield FiguresApi(client, app, system, signer_for(settings))


NOISY_TENANT = "noisy-msi"
PAGE_MONTH = date(2025, 3, 1)  # a year the other tests publish nothing of


@dataclass
class FiguresSite:
    """The metrics app as `redress serve` builds it, over real HTTP, with a month of the
    generated tenant published, and a small noisy release of another initiative."""

    base_url: str
    app: FastAPI
    generated: Generated
    release: dict
    noisy: dict

    def url(self, path: str, tenant: str = TENANT) -> str:
        return f"{self.base_url}/t/{tenant}/figures{path}"


@pytest.fixture(scope="session")
async def figures_site(generated) -> AsyncIterator[FiguresSite]:
    from redress.kit.i18n import LANGUAGES
    from redress.kit.keyset import root_secret
    from redress.metrics import figures, ledger
    from redress.metrics.disclosure import Release, Table
    from redress.metrics.publication import to_release
    from redress.metrics.releases.domain import SetDisclosure
    from redress.metrics.releases.handlers import (
        Publishing,
        configure,
        publish,
        signed_release,
    )
    from redress.metrics.releases.handlers import published as release_of
    from redress.metrics.tables import period_of
    from redress.metrics.timeline import stories
    from redress.tenancy.domain import ChangeSettings
    from redress.tenancy.handlers import read_tenant
    from tests.browser.conftest import serving

    async with generated.pool.acquire() as conn:
        rows = await ledger.read(conn, TENANT)
        was = (await read_tenant(conn, TENANT)).settings
    period = period_of("month", PAGE_MONTH)
    at = Publishing(root_secret(generated.settings), datetime(2026, 1, 10, tzinfo=UTC))
    meta = Metadata(tenant=TENANT, actor=Actor(id="admin-1", role="admin"))
    release = to_release(figures.compute(rows, period, stories(rows)))
    month = await publish(generated.store, meta, period.label, release, at)
    # The initiative now speaks every language of the pages (its figures do not change).
    every = ChangeSettings(was.name, was.time_zone, was.working_days, tuple(LANGUAGES))
    await tenancy(generated.store, TENANT, every, meta)
    noisy_meta = Metadata(tenant=NOISY_TENANT, actor=Actor(id="admin-1", role="admin"))
    await tenancy(generated.store, NOISY_TENANT,
                  RegisterTenant(NOISY_TENANT, "Noisy MSI", "Asia/Dhaka"), noisy_meta)  # fmt: skip
    await configure(generated.store, SetDisclosure(1.0, 3.0), noisy_meta)
    counts = {("BD",): 40, ("KH",): 3, ("TH",): 12}
    small = Release((Table("received.country", "received", ("country",), counts,
                           {"country": ("BD", "KH", "TH")}),))  # fmt: skip
    noisy = await publish(generated.store, noisy_meta, "2025-03", small, at)
    # What this recorded reaches the stream and the projections, as the generated history
    # did: the tests that rebuild the projections compare the log, the stream and the rows.
    total = await generated.pool.fetchval("SELECT count(*) FROM eventlog.events")
    relay = Relay(generated.dsn, generated.js, generated.bus, poll_interval=0.05)
    async with running(relay.run()):
        await wait_until(lambda: published(generated.js, generated.bus, total), timeout=120)
    await generated.caught_up()
    app = app_for("metrics", generated.settings)
    async with serving(app) as base_url:
        yield FiguresSite(base_url, app, generated, signed_release(release_of(month)),
                          signed_release(release_of(noisy)))  # fmt: skip
