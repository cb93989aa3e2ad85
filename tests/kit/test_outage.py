"""A PostgreSQL outage: every request gets 503 with Retry-After on a connection that stays
open, the outage is logged once, and the service answers again by itself afterwards."""

import asyncio
import dataclasses
import tempfile
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import APIRouter
from starlette.responses import HTMLResponse, Response
from starlette.types import Scope

from redress.events.ids import new_stream
from redress.events.migrations import eventlog_component, migrate
from redress.kit.auth import signer_for
from redress.kit.authz import Action
from redress.kit.deps import CurrentPrincipal, Store, authorise, metadata_for
from redress.kit.embedded import EmbeddedPostgres
from redress.kit.errors import Problem
from redress.kit.service import create_service_app
from redress.kit.settings import Settings
from tests.browser.conftest import serving
from tests.events.faults import pg_path
from tests.events.helpers import SCHEMA_SQL, opened, wait_until
from tests.kit.conftest import spec


@pytest.fixture
async def own_postgres():
    """A PostgreSQL of this test's own, to stop and start without disturbing the others."""
    pg = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="redress-outage-")) / "pg")
    url = await asyncio.to_thread(pg.start)
    yield pg, url
    await asyncio.to_thread(pg.stop)


async def test_an_outage_answers_503_with_retry_after_and_heals(
    own_postgres, system, tmp_path, capsys
):
    pg, url = own_postgres
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "001_opened.sql").write_text(SCHEMA_SQL.format(schema="intake"))
    the_spec = dataclasses.replace(
        spec(migrations), routers=[*spec(migrations).routers, console_pages],
        refusal_pages=[console_refusal],
    )  # fmt: skip

    conn = await asyncpg.connect(url)
    try:
        await migrate(conn, [eventlog_component(), the_spec.component])
    finally:
        await conn.close()
    settings = Settings(
        dev=True, database_url=url, nats_url=system.nats_url, nats_stream=system.bus.stream,
        nats_subject_prefix=system.bus.prefix, data_dir=tmp_path, log_json=True,
    )  # fmt: skip
    token = signer_for(settings).issue("u1", "acme", ["officer"])
    auth = {"Authorization": f"Bearer {token}"}
    app = create_service_app(the_spec, settings)
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        assert (await client.post("/v1/cases", headers=auth)).status_code == 201
        capsys.readouterr()
        await asyncio.to_thread(pg.stop)
        answers = [await client.post("/v1/cases", headers=auth) for _ in range(20)]
        assert {a.status_code for a in answers} == {503}
        for answer in answers:
            assert answer.headers["retry-after"] == "5"
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["type"] == "urn:redress:problem:unavailable"
        # One keep-alive connection carried every answer: none was dropped.
        assert client._transport._pool.connections and len(client._transport._pool.connections) == 1
        # A console's page is refused as that console's page, not JSON a browser shows raw.
        page = await client.get("/console/cases")
        assert page.status_code == 503 and page.headers["retry-after"] == "5"
        assert page.headers["content-type"].startswith("text/html")
        assert "<h1>Not available just now</h1>" in page.text
        logged = capsys.readouterr()
        output = logged.out + logged.err
        assert output.count("database unavailable") == 1
        assert "Traceback" not in output
        await asyncio.to_thread(pg.start)

        async def answers_again():
            return (await client.post("/v1/cases", headers=auth)).status_code == 201

        await wait_until(answers_again, timeout=30)


console_pages = APIRouter()


@console_pages.get("/console/cases")
async def console_cases(store: Store) -> HTMLResponse:
    async with store.pool.acquire() as conn:
        return HTMLResponse(f"<p>{await conn.fetchval('SELECT count(*) FROM intake.opened')}</p>")


async def console_refusal(scope: Scope, problem: Problem) -> Response | None:
    """A console's page of a refusal, as `redress.kit.console.Console.refusal_page` is."""
    if not scope["path"].startswith("/console"):
        return None
    title = {503: "Not available just now"}.get(problem.status, "Refused")
    html = HTMLResponse(f"<h1>{title}</h1><p>{problem.detail}</p>", problem.status)
    html.headers.update(problem.headers or {})
    return html


in_a_transaction = APIRouter()


@in_a_transaction.post("/v1/cases-in-a-transaction", status_code=201)
async def open_case_in_a_transaction(principal: CurrentPrincipal, store: Store) -> None:
    """As the services write: a read, then the append, in one transaction."""
    principal = authorise(principal, Action.case_manage)
    async with store.pool.acquire() as conn, conn.transaction():
        await conn.fetchval("SELECT count(*) FROM intake.opened")
        await store.append(new_stream("case"), [opened()], 0, metadata_for(principal), conn=conn)


async def test_a_frozen_database_answers_503_and_every_request_gets_an_answer(
    own_postgres, system, tmp_path
):
    """PostgreSQL stops answering (SIGSTOP): no request waits on it past the deadlines,
    those holding a connection in a transaction included; after it thaws, the service
    answers again."""
    pg, url = own_postgres
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "001_opened.sql").write_text(SCHEMA_SQL.format(schema="intake"))
    the_spec = dataclasses.replace(spec(migrations), routers=[in_a_transaction])
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn, [eventlog_component(), the_spec.component])
    finally:
        await conn.close()
    settings = Settings(
        dev=True, database_url=url, nats_url=system.nats_url, nats_stream=system.bus.stream,
        nats_subject_prefix=system.bus.prefix, data_dir=tmp_path, log_json=True,
        io_timeout=1.0, statement_timeout=4.0,
    )  # fmt: skip
    token = signer_for(settings).issue("u1", "acme", ["officer"])
    auth = {"Authorization": f"Bearer {token}"}
    app = create_service_app(the_spec, settings)
    postmaster = pg.server._postmaster_info.process
    # The client's patience is the test's only clock: a request left waiting fails it. One
    # holding a connection waits for its command (statement timeout + I/O timeout), then for
    # the cancel of it or the connection's return (an I/O timeout each); one in line, for an
    # I/O timeout after the last connection came back. asyncpg alone keeps those in line
    # until the server thaws.
    command = settings.statement_timeout + settings.io_timeout
    patience = command + 2 * settings.io_timeout
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=15) as client:
        path = "/v1/cases-in-a-transaction"
        assert (await client.post(path, headers=auth)).status_code == 201
        frozen = [postmaster, *postmaster.children()]
        for process in frozen:
            process.suspend()
        try:
            # More at once than the pool has connections: some wait for one.
            answers = await asyncio.gather(
                *(client.post(path, headers=auth, timeout=patience) for _ in range(16))
            )
        finally:
            for process in frozen:
                process.resume()
        assert {a.status_code for a in answers} == {503}
        assert all(a.headers["retry-after"] == "5" for a in answers)

        async def answers_again():
            return (await client.post(path, headers=auth)).status_code == 201

        await wait_until(answers_again, timeout=30)


api_reads = APIRouter()


@api_reads.get("/v1/opened")
async def opened_count(store: Store) -> dict[str, int]:
    async with store.pool.acquire() as conn:
        return {"opened": await conn.fetchval("SELECT count(*) FROM intake.opened")}


@api_reads.get("/v1/read-recorded")
async def read_recorded(principal: CurrentPrincipal, store: Store) -> dict[str, int]:
    """As a read of a worker's data is: recorded in the log before it answers."""
    principal = authorise(principal, Action.case_manage)
    done = await store.append(new_stream("case"), [opened()], 0, metadata_for(principal))
    return {"position": done.last_position}


async def test_reads_of_a_frozen_database_are_answered_503_within_their_deadline(
    system, settings, tmp_path
):
    """The first reads of an outage took idle connections and waited out the statement
    timeout, its cancel and the connection's reset (40 s) for their 503. A console's page and
    an API read now get theirs after two I/O timeouts with no connection back to the pool,
    while their statements still wait on the frozen server."""
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "001_opened.sql").write_text(SCHEMA_SQL.format(schema="intake"))
    the_spec = dataclasses.replace(
        spec(migrations), routers=[*spec(migrations).routers, console_pages, api_reads],
        refusal_pages=[console_refusal],
    )  # fmt: skip
    async with system.pool.acquire() as conn:
        await migrate(conn, [the_spec.component])
    async with pg_path(system.dsn) as path:
        app = create_service_app(
            the_spec, settings.model_copy(update={"database_url": path.url, "io_timeout": 1.0})
        )
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://t") as client,
        ):
            assert (await client.get("/console/cases")).status_code == 200
            assert (await client.get("/v1/opened")).status_code == 200
            auth = {
                "Authorization": f"Bearer {signer_for(settings).issue('u1', 'acme', ['officer'])}"
            }
            # One idle connection for each read: each sends its statement on one, as the
            # first requests of an outage do, rather than waiting for a new one.
            pool = app.state.runtime.pool
            held = [await pool.acquire() for _ in range(3)]
            for connection in held:
                await pool.release(connection)
            path.freeze()
            try:
                # The test's only clock, well short of the statement timeout (30 s).
                recording = asyncio.ensure_future(client.get("/v1/read-recorded", headers=auth))
                asked = [asyncio.ensure_future(client.get(p)) for p in ("/console/cases",
                                                                       "/v1/opened")]  # fmt: skip
                await asyncio.wait(asked, timeout=15)
                assert all(a.done() for a in asked), "a read kept its caller waiting"
                # Answered before the reads' own work has unwound: their statements still
                # wait on the frozen server, holding their connections.
                assert pool.in_use >= 2  # the appending read's, and a read's unwinding
                # A read that appended is not given up on: only its own answer can say
                # whether it was recorded.
                assert not recording.done()
            finally:
                path.thaw()
                await asyncio.gather(*asked, recording, return_exceptions=True)
            recorded = recording.result()
            assert recorded.status_code == 200, recorded.text
            async with system.pool.acquire() as conn:
                position = recorded.json()["position"]
                assert await conn.fetchval(
                    "SELECT count(*) FROM eventlog.events WHERE position = $1", position
                )
            page, problem = (a.result() for a in asked)
            assert page.status_code == 503 and page.headers["retry-after"] == "5"
            assert "<h1>Not available just now</h1>" in page.text
            assert problem.status_code == 503 and problem.headers["retry-after"] == "5"
            assert problem.headers["content-type"] == "application/problem+json"
            assert problem.json()["type"] == "urn:redress:problem:unavailable"
            assert problem.headers["cache-control"] == "no-store"

            async def reads_again():
                return (await client.get("/v1/opened")).status_code == 200

            await wait_until(reads_again, timeout=30)
