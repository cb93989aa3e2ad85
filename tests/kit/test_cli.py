"""The `redress` command line, run as a user runs it."""

import base64
import os
import re
import socket
import subprocess
import sys
import tempfile

import httpx
import pytest
from typer.testing import CliRunner

from redress.events.relay import Relay
from redress.kit.crypto import grievance_key_id
from redress.kit.settings import Settings
from tests.events.helpers import running, wait_until
from tests.kit.conftest import PROJECTION  # noqa: F401 - the kit's test service


def redress(
    *args: str, env: dict[str, str | None] | None = None, timeout: float = 60, cwd: str = ""
):
    return subprocess.run(
        [sys.executable, "-m", "redress.kit.cli", *args],
        env={k: v for k, v in {**os.environ, **(env or {})}.items() if v is not None},
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or away(),
    )


def away() -> str:
    """A directory of its own, away from any .data/dev.env of the checkout: `-m` puts the
    working directory first on the path, where a stray h2.py in /tmp was imported for
    httpx's HTTP/2 package."""
    return tempfile.mkdtemp(prefix="redress-cli-")


def system_env(system, tmp_path) -> dict[str, str]:
    return {
        "REDRESS_DEV": "1",
        "REDRESS_DATABASE_URL": system.dsn,
        "REDRESS_NATS_URL": system.nats_url,
        "REDRESS_NATS_STREAM": system.bus.stream,
        "REDRESS_NATS_SUBJECT_PREFIX": system.bus.prefix,
        "REDRESS_DATA_DIR": str(tmp_path),
    }


def one_line_error(result) -> str:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_unreachable_postgres_fails_fast_with_one_line(system, tmp_path):
    env = system_env(system, tmp_path)
    env["REDRESS_DATABASE_URL"] = "postgresql://redress:secret@127.0.0.1:1/redress"
    line = one_line_error(redress("serve", "intake", env=env))
    assert "cannot reach PostgreSQL at postgresql://redress:***@127.0.0.1:1/redress" in line
    assert "secret" not in line


@pytest.mark.parametrize(
    "args",
    [["migrate"], ["verify"], ["tenant", "show", "demo"], ["replay", "cases.views"],
     ["keys", "rotate"]],
)  # fmt: skip
def test_with_make_run_stopped_a_command_says_to_start_it(args, tmp_path):
    """The server named by the dev.env `make run` wrote runs only while `make run` does."""
    data = tmp_path / ".data"
    data.mkdir()
    url = f"postgresql://postgres:@/redress?host={data / 'pg'}"
    (data / "dev.env").write_text(
        f"REDRESS_DEV=1\nREDRESS_DATABASE_URL={url}\nREDRESS_DATA_DIR={data}\n"
    )
    env: dict[str, str | None] = {"REDRESS_DATABASE_URL": None, "REDRESS_DATA_DIR": None}
    line = one_line_error(redress(*args, env=env, cwd=str(tmp_path)))
    assert f"cannot reach PostgreSQL at {url}: " in line
    assert line.endswith(
        "(the server came from .data/dev.env: the platform of `make run` is not running; start"
        " it, or point REDRESS_DATABASE_URL at another server)"
    ), line


async def test_a_service_whose_nats_is_unreachable_serves_and_names_it(system, tmp_path):
    """Requests need PostgreSQL only (issue 8): `redress serve` starts without NATS, is
    ready, and says on /health and in its log which NATS it cannot reach."""
    env = system_env(system, tmp_path)
    env["REDRESS_NATS_URL"] = "nats://127.0.0.1:1"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "redress.kit.cli", "serve", "intake", "--port", str(port)],
        env={**os.environ, **env},
        stderr=subprocess.PIPE,
        cwd=away(),
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:

            async def ready() -> bool:
                assert process.poll() is None, "the service ended"
                try:
                    return (await client.get("/ready")).status_code == 200
                except httpx.TransportError:
                    return False

            await wait_until(ready, timeout=60)

            async def names_nats() -> bool:
                # Ready may come before the first attempt to reach NATS has failed.
                health = (await client.get("/health")).json()
                link = next(t for t in health["background"] if t["task"] == "intake.nats")
                return "cannot reach NATS at nats://127.0.0.1:1" in link.get("reason", "")

            await wait_until(names_nats, timeout=60)
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert b"cannot reach NATS at nats://127.0.0.1:1" in err


def test_missing_key_outside_dev_mode_fails_with_one_line(system, tmp_path):
    env = system_env(system, tmp_path)
    env["REDRESS_DEV"] = "0"
    line = one_line_error(redress("serve", "intake", env=env))
    assert "REDRESS_OIDC_ISSUER (or REDRESS_JWKS_URL) is required outside dev mode" in line
    # Run away from a checkout that `redress dev` set up: the line says where settings come from.
    assert (
        "from .data/dev.env where `redress dev` runs; there is none in "
        f"{os.path.join(tempfile.gettempdir(), 'redress-cli-')}" in line
    )


@pytest.mark.parametrize("name", ["intake", "cases", "referral", "metrics", "assessment"])
def test_a_service_without_its_secret_key_outside_dev_mode_says_so_in_one_line(
    name, system, tmp_path
):
    env = system_env(system, tmp_path)
    env |= {"REDRESS_DEV": "0", "REDRESS_JWKS_URL": "https://idp.example.org/jwks"}
    line = one_line_error(redress("serve", name, "--port", "0", env=env))
    assert line == "redress: REDRESS_SECRET_KEY is required outside dev mode"


@pytest.mark.parametrize(
    "args", [["serve", "metrics", "--port", "0"], ["migrate"], ["token", "issue"], ["status"]]
)
def test_a_log_level_logging_does_not_know_is_refused_naming_the_setting(args, system, tmp_path):
    env = system_env(system, tmp_path) | {"REDRESS_LOG_LEVEL": "loud"}
    line = one_line_error(redress(*args, env=env))
    assert (
        "REDRESS_LOG_LEVEL is 'loud'; it takes one of debug, info, warning, error, critical" in line
    )


def test_on_a_fresh_clone_a_command_says_no_settings_were_found(tmp_path):
    nothing: dict[str, str | None] = {k: None for k in os.environ if k.startswith("REDRESS_")}
    for args in (["token", "issue"], ["migrate"], ["serve", "intake"]):
        line = one_line_error(redress(*args, env=nothing, cwd=str(tmp_path)))
        assert line.startswith(
            f"redress: no settings were found (no .data/dev.env in {tmp_path}, no REDRESS_*"
            " variable): start `make run` there, which writes .data/dev.env, or set the"
            " REDRESS_* settings"
        ), line


async def test_commands_that_check_no_tokens_run_without_an_identity_provider(system, tmp_path):
    """migrate, keys and the relay check no token: outside dev mode they need no
    REDRESS_OIDC_ISSUER, which the services (and only they) require."""
    env = system_env(system, tmp_path / "data") | {
        "REDRESS_DEV": "0",
        "REDRESS_KEYSET_FILE": str(tmp_path / "keys" / "keyset.json"),
        "REDRESS_SECRET_KEY": base64.b64encode(os.urandom(32)).decode(),
        "REDRESS_OIDC_ISSUER": None,
        "REDRESS_JWKS_URL": None,
    }
    (tmp_path / "keys").mkdir()
    for args in (["migrate"], ["keys", "init"], ["keys", "rotate"]):
        done = redress(*args, env=env)
        assert done.returncode == 0, (args, done.stderr)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    relay = subprocess.Popen(
        [sys.executable, "-m", "redress.kit.cli", "relay", "--port", str(port)],
        env={k: v for k, v in {**os.environ, **env}.items() if v is not None},
        stderr=subprocess.PIPE,
        cwd=away(),
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:

            async def live() -> bool:
                assert relay.poll() is None, "the relay ended"
                try:
                    return (await client.get("/live")).status_code == 200
                except httpx.TransportError:
                    return False

            await wait_until(live, timeout=60)
    finally:
        relay.terminate()
        relay.communicate(timeout=30)


async def register(system, slug: str) -> None:
    from redress.events.envelope import Actor, Metadata
    from redress.tenancy.domain import RegisterTenant
    from redress.tenancy.handlers import execute

    meta = Metadata(tenant=slug, actor=Actor(id="redress-cli", role="platform"))
    await execute(system.store, slug, RegisterTenant(slug, slug.title()), meta)


async def test_token_issue_prints_a_token_the_services_accept(system, tmp_path):
    from redress.kit.auth import verifier_for
    from redress.kit.settings import Settings

    await register(system, "acme")
    result = redress(
        "token",
        "issue",
        "--tenant",
        "acme",
        "--role",
        "member",
        "--org",
        "m1",
        env=system_env(system, tmp_path),
    )
    assert result.returncode == 0, result.stderr
    settings = Settings(dev=True, data_dir=tmp_path, _env_file=None)
    principal = await verifier_for(settings).verify(result.stdout.strip())
    assert (principal.tenant, principal.roles, principal.org) == ("acme", {"member"}, "m1")


async def test_replay_rebuilds_a_projection_to_the_live_rows(system, tmp_path):
    from redress.events.catalogue.grievance import Category, Channel, GrievanceSubmitted, Sealed
    from redress.events.ids import new_stream
    from redress.events.projection import ProjectionRunner
    from redress.kit.registry import service
    from redress.metrics.projections import GrievanceCounts
    from tests.events.helpers import META

    migrated = redress("migrate", env=system_env(system, tmp_path))
    assert migrated.returncode == 0, migrated.stderr
    for i in range(40):
        event = GrievanceSubmitted(
            grievance_id=str(i),
            channel=Channel.web,
            language="en",
            country=["BD", "KH", "VN"][i % 3],
            category=list(Category)[i % 5],
            personal=Sealed(key_id=grievance_key_id(i), ciphertext="c2VhbGVk"),
            receipt_reference=f"R-{i}",
            receipt_hash="argon2-hash",
            filed_digest="0" * 64,
        )
        await system.store.append(new_stream("grievance"), [event], 0, META)
    assert service("metrics").projections()[0].name == "counts"
    live = ProjectionRunner(GrievanceCounts(), system.pool, system.js, system.bus)
    async with running(Relay(system.dsn, system.js, system.bus).run()), running(live.run()):
        assert await live.wait_for(40, timeout=30)
    before = await counts(system)
    assert sum(r[-1] for r in before) == 40
    result = redress("replay", "metrics.counts", env=system_env(system, tmp_path))
    assert result.returncode == 0, result.stderr
    assert "replaying metrics.counts" in result.stderr
    assert "40/40" in result.stderr
    assert await counts(system) == before


async def counts(system):
    async with system.pool.acquire() as conn:
        rows = await conn.fetch("SELECT * FROM metrics.grievance_counts ORDER BY 1, 2, 3, 4")
    return [tuple(r) for r in rows]


def test_replay_of_an_unknown_projection_names_the_known_ones(system, tmp_path):
    line = one_line_error(redress("replay", "metrics.nope", env=system_env(system, tmp_path)))
    assert "metrics.counts" in line


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--tenant", "DEMO"], "'DEMO' is not a tenant's id"),
        (["--tenant", "demo/../x"], "is not a tenant's id"),
        (["--role", "superuser"], "unknown role superuser; known roles: admin, auditor"),
        (["--role", "officer", "--role", "[root]"], "unknown role [root]"),
        (["--role", "member"], "must name its organisation: --org"),
        (["--role", "partner"], "must name its organisation: --org"),
        (["--role", "supplier"], "must name its organisation: --org"),
        (["--role", "facilitator"], "must name its organisation: --org"),
        (["--ttl", "-60"], "--ttl must be between 1 and 43200 seconds"),
        (["--ttl", "0"], "--ttl must be between 1 and 43200 seconds"),
        (["--ttl", str(100 * 365 * 86400)], "--ttl must be between 1 and 43200 seconds"),
    ],
)
def test_token_issue_refuses_what_no_service_would_accept(args, says, tmp_path, monkeypatch):
    from redress.kit.cli import app

    monkeypatch.chdir(tmp_path)  # away from any .data/dev.env of the checkout
    env = {"REDRESS_DEV": "1", "REDRESS_DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(app, ["token", "issue", *args], env=env)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert says in lines[0]
    assert not (tmp_path / "dev-signing-key.pem").exists()  # refused before signing anything


async def test_token_issue_within_the_rules_prints_one_token(system, tmp_path):
    await register(system, "demo")
    args = ["token", "issue", "--role", "partner", "--org", "ngo-1", "--ttl", "43200"]
    result = redress(*args, env=system_env(system, tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(".") == 2


async def test_token_issue_for_a_tenant_not_registered_is_refused_in_one_line(system, tmp_path):
    """A token for no tenant reaches nothing: the typo is said before a token is made."""
    await register(system, "demo")
    args = ["token", "issue", "--tenant", "nosuchtenant", "--role", "officer"]
    result = redress(*args, env=system_env(system, tmp_path))
    line = one_line_error(result)
    assert line == (
        "redress: there is no tenant 'nosuchtenant': `redress tenant create` registers one"
    )
    assert result.stdout == ""
    assert not (tmp_path / "dev-signing-key.pem").exists()  # refused before signing anything


async def test_token_issue_on_a_database_never_migrated_knows_no_tenant(system, servers, tmp_path):
    import asyncpg

    from tests.conftest import with_database

    name = f"bare_{os.getpid()}"
    admin = await asyncpg.connect(servers.database_url)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name}")
        await admin.execute(f"CREATE DATABASE {name}")
        env = system_env(system, tmp_path)
        env["REDRESS_DATABASE_URL"] = with_database(servers.database_url, name)
        line = one_line_error(redress("token", "issue", "--tenant", "demo", env=env))
        assert "there is no tenant 'demo'" in line
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name}")
        await admin.close()


def test_token_issue_without_its_database_says_it_cannot_reach_it(system, tmp_path):
    env = system_env(system, tmp_path)
    env["REDRESS_DATABASE_URL"] = "postgresql://redress:secret@127.0.0.1:1/redress"
    result = redress("token", "issue", "--tenant", "demo", env=env)
    line = one_line_error(result)
    assert "cannot reach PostgreSQL at postgresql://redress:***@127.0.0.1:1/redress" in line
    assert result.stdout == ""


def test_replay_help_names_every_projection_it_rebuilds_and_only_those():
    from redress.kit.registry import services

    settings = Settings(dev=True, _env_file=None)
    known = {
        f"{name}.{p.name}"
        for name, spec in services().items()
        for p in spec.projections_for(settings)
        if p.replayable
    }
    assert "referral.webhooks" not in known
    shown = redress("replay", "--help", env={"COLUMNS": "200"}).stdout
    named = set(re.findall(r"\b([a-z]+\.[a-z_]+)\b", shown)) - {"e.g", "redress.kit"}
    assert named == known, (named - known, known - named)


def test_replay_refuses_the_webhooks_outbox_which_is_no_read_model(system, tmp_path):
    line = one_line_error(redress("replay", "referral.webhooks", env=system_env(system, tmp_path)))
    assert "referral.webhooks is never replayed" in line


def test_help_of_a_seed_and_of_token_issue_says_what_they_take():
    from redress.kit.cli import app

    env = {"COLUMNS": "200"}
    seed = CliRunner().invoke(app, ["seed", "figures", "--help"], env=env)
    assert seed.exit_code == 0 and "--grievances" in seed.stdout
    assert "completion" not in seed.stdout  # as no other subcommand offers it
    token = CliRunner().invoke(app, ["token", "issue", "--help"], env=env)
    assert "member, partner, representative, facilitator" in token.stdout
