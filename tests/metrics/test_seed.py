"""`redress seed figures`: deterministic by seed, refusing a tenant that exists."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from datetime import date
from itertools import pairwise

import asyncpg
import pytest
from typer.testing import CliRunner

from redress.cases.app import service as cases_service
from redress.events.leader import lock_key
from redress.events.migrations import eventlog_component, migrate
from redress.intake.app import service as intake_service
from redress.kit.cli import app
from redress.kit.embedded import EmbeddedPostgres
from redress.kit.settings import Settings
from redress.metrics.app import service as metrics_service
from redress.referral.app import service as referral_service
from redress.synth.plan import plan
from tests.conftest import new_database
from tests.kit.test_cli import redress


def test_the_same_seed_makes_the_same_history_and_another_seed_another():
    first, again = plan(7, 300, date(2024, 1, 1)), plan(7, 300, date(2024, 1, 1))
    assert first.grievances == again.grievances and first.audits == again.audits
    assert plan(8, 300, date(2024, 1, 1)).grievances != first.grievances
    steps = [s for g in first.grievances for s in g.steps]
    assert all(first.start <= s.at < first.end for s in steps)
    assert all(a.at <= b.at for g in first.grievances for a, b in pairwise(g.steps))


def test_the_command_records_a_tenant_and_refuses_one_that_exists(servers, tmp_path):
    components = [s.component for s in (intake_service, cases_service, referral_service,
                                        metrics_service)]  # fmt: skip
    dsn = asyncio.run(new_database(servers.database_url, components))
    env = {"REDRESS_DEV": "1", "REDRESS_DATABASE_URL": dsn, "REDRESS_DATA_DIR": str(tmp_path)}
    truth = tmp_path / "truth.json"
    args = ["seed", "figures", "--tenant", "made-up", "--grievances", "40", "--months", "3",
            "--truth", str(truth)]  # fmt: skip
    done = CliRunner().invoke(app, args, env=env)
    assert done.exit_code == 0, done.output
    assert "made-up: 40 grievances, 1 audits" in done.output
    recorded = json.loads(truth.read_text())
    assert len(recorded["grievances"]) == 40 and recorded["audits"][0]["audit_id"]
    again = CliRunner().invoke(app, args, env=env)
    assert again.exit_code == 2 and "already" in again.output


def test_the_command_refuses_while_the_platform_runs_and_records_nothing(servers, tmp_path):
    """A relay leading on the database is the platform running: its policies would act on
    the history as news (a case opened twice, a tenant left half made). Refused first."""
    components = [s.component for s in (intake_service, cases_service, referral_service,
                                        metrics_service)]  # fmt: skip
    dsn = asyncio.run(new_database(servers.database_url, components))
    env = {"REDRESS_DEV": "1", "REDRESS_DATABASE_URL": dsn, "REDRESS_DATA_DIR": str(tmp_path)}
    key = lock_key(f"relay:{Settings.model_fields['nats_stream'].default}")
    holding, done = threading.Event(), threading.Event()

    def relay_leading() -> None:  # the lock a running relay holds, on a connection of its own
        async def hold() -> None:
            conn = await asyncpg.connect(dsn)
            await conn.execute("SELECT pg_advisory_lock($1)", key)
            holding.set()
            await asyncio.to_thread(done.wait)
            await conn.close()

        asyncio.run(hold())

    leader = threading.Thread(target=relay_leading)
    leader.start()
    try:
        assert holding.wait(30)
        args = ["seed", "figures", "--tenant", "made-up", "--grievances", "5", "--months", "2"]
        refused = CliRunner().invoke(app, args, env=env)
    finally:
        done.set()
        leader.join()
    assert refused.exit_code == 2 and "the platform is running" in refused.output
    assert asyncio.run(_events(dsn)) == 0


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--start", "2024-13"], "--start '2024-13' is not a month: YYYY-MM"),
        (["--start", "abc"], "--start 'abc' is not a month: YYYY-MM"),
        (["--tenant", "BAD"], "--tenant 'BAD' is not a tenant's id"),
        (["--truth", "/nonexistent/dir/t.json"], "no writable directory '/nonexistent/dir'"),
    ],
)
def test_the_command_refuses_unusable_options_in_one_line_before_recording(
    args, says, servers, tmp_path
):
    components = [s.component for s in (intake_service, cases_service, referral_service,
                                        metrics_service)]  # fmt: skip
    dsn = asyncio.run(new_database(servers.database_url, components))
    env = {"REDRESS_DEV": "1", "REDRESS_DATABASE_URL": dsn, "REDRESS_DATA_DIR": str(tmp_path)}
    base = ["seed", "figures", "--tenant", "made-up", "--grievances", "5", "--months", "2"]
    refused = CliRunner().invoke(app, [*base, *args], env=env)
    assert refused.exit_code == 2, refused.output
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and says in lines[0], refused.stderr
    assert asyncio.run(_events(dsn)) == 0


def test_on_a_fresh_clone_the_command_says_no_settings_were_found(tmp_path):
    """As the README says: where `make run` never ran and no REDRESS_* variable is set."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("REDRESS_")}
    refused = redress("seed", "figures", "--grievances", "5", env=env, cwd=str(tmp_path))
    assert refused.returncode == 2, refused.stderr
    assert refused.stdout == ""  # not even a progress bar
    assert refused.stderr.startswith("redress: no settings were found"), refused.stderr


async def _events(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM eventlog.events"))
    finally:
        await conn.close()


def test_with_make_run_stopped_the_command_starts_the_embedded_database_for_itself(
    tmp_path, monkeypatch
):
    """As the README says to: `make run` stopped, the seed run in its folder. It starts the
    platform's embedded PostgreSQL, records the tenant, and stops the server again."""
    folder = (tmp_path / ".data" / "pg").resolve()
    pg = EmbeddedPostgres(folder)
    url = pg.start()
    components = [eventlog_component(), *(s.component for s in (
        intake_service, cases_service, referral_service, metrics_service))]  # fmt: skip
    asyncio.run(_migrated(url, components))
    pg.stop()
    assert not (folder / "postmaster.pid").exists()
    dev_env = tmp_path / ".data" / "dev.env"
    dev_env.write_text(f"REDRESS_DEV=1\nREDRESS_DATABASE_URL={url}\n"
                       f"REDRESS_DATA_DIR={tmp_path / '.data'}\n")  # fmt: skip
    monkeypatch.chdir(tmp_path)
    args = ["seed", "figures", "--tenant", "made-up", "--grievances", "5", "--months", "2"]
    done = CliRunner().invoke(app, args, env={"REDRESS_DATABASE_URL": None})
    assert done.exit_code == 0, done.output
    assert "made-up: 5 grievances" in done.output
    assert not (folder / "postmaster.pid").exists()  # stopped again
    url = pg.start()
    try:
        tenants = asyncio.run(_tenants(url))
    finally:
        pg.stop()
    assert "made-up" in tenants


async def _migrated(url: str, components: list) -> None:
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn, components)
    finally:
        await conn.close()


async def _tenants(url: str) -> set[str]:
    conn = await asyncpg.connect(url)
    try:
        return {r[0] for r in await conn.fetch("SELECT DISTINCT tenant FROM eventlog.events")}
    finally:
        await conn.close()
