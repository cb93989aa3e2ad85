"""The `redress` command line."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from redress.kit import collector, logs
from redress.kit.cli_listed import ReplayCommand, Seeds
from redress.kit.settings import ConfigurationError, load_settings

app = typer.Typer(no_args_is_help=True, help="Redress: a shared grievance platform for MSIs.")
token_app = typer.Typer(no_args_is_help=True, help="Access tokens (dev mode).")
app.add_typer(token_app, name="token")
keys_app = typer.Typer(no_args_is_help=True, help="Key-encryption keys of personal data.")
app.add_typer(keys_app, name="keys")
tenant_app = typer.Typer(no_args_is_help=True, help="Tenants: the MSIs on this platform.")
app.add_typer(tenant_app, name="tenant")
seed_app = typer.Typer(cls=Seeds, no_args_is_help=True, help="Synthetic tenants (installed seeds).")
app.add_typer(seed_app, name="seed")
err = Console(stderr=True)
out = Console()


@app.command()
def dev() -> None:
    """Start everything on this machine: servers, relay, the five services, demo data."""
    from redress.kit.dev import run_dev

    run_dev()


@app.command()
def serve(
    name: Annotated[str, typer.Argument(help="intake, cases, referral, metrics or assessment")],
    host: str = "0.0.0.0",  # noqa: S104 - a container listens on all its interfaces
    port: int = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="HTTP processes on the port (default REDRESS_WORKERS, 1); one of them, "
            "elected, runs the service's projections and policies",
        ),
    ] = None,
) -> None:
    """Run one service."""
    import uvicorn

    from redress.kit.registry import service
    from redress.kit.runtime import preflight
    from redress.kit.service import SERVED, app_for
    from redress.kit.serving import UVICORN

    settings = load_settings()
    settings.require_identity_provider()  # a service checks tokens; the commands need none
    spec = service(name)
    for check in spec.checks:
        check(settings)
    asyncio.run(preflight(settings, spec.name))
    options: dict[str, Any] = {"host": host, "port": port, **UVICORN}
    count = workers or settings.workers
    if count > 1:
        # uvicorn starts each worker afresh and has it build the app, exactly as below, from
        # the service named here (redress.kit.service.served_app); it starts again a worker
        # that dies.
        os.environ[SERVED] = spec.name
        # The supervising process's own warnings on the platform's log too.
        logs.configure(spec.name, settings.log_level, settings.log_json)
        uvicorn.run("redress.kit.service:served_app", factory=True, workers=count, **options)
        return
    served = app_for(name, settings)
    collector.tune()
    uvicorn.run(served, **options)


@app.command()
def relay(
    port: Annotated[
        int | None, typer.Option(help="answer /live, /ready, /health and /metrics on this port")
    ] = None,
    host: Annotated[str, typer.Option(help="the address the probes' port listens on")] = (
        "0.0.0.0"  # noqa: S104 - a container listens on all its interfaces
    ),
) -> None:
    """Run the relay (one leads; others stand by)."""
    import uvloop

    from redress.kit.relay import run_relay

    collector.tune()

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:  # as the services
        runner.run(run_relay(load_settings(), port, host))


@app.command()
def migrate() -> None:
    """Apply the migrations of the log and of every service."""
    from redress.kit.admin import apply_migrations

    for name in asyncio.run(apply_migrations(load_settings())) or ["nothing to apply"]:
        err.print(f"  {name}")


@app.command(cls=ReplayCommand)
def replay(
    name: Annotated[
        str, typer.Argument(help="<service>.<projection>, e.g. cases.views or intake.grievances")
    ],
    offline: Annotated[
        bool,
        typer.Option(
            help="empty the tables and rebuild them in place: commands go on working, but "
            "readers see the tables empty, then partial"
        ),
    ] = False,
) -> None:
    """Rebuild a projection from the start of the stream, with a progress bar.

    By default it is rebuilt beside the live tables, which readers and the running service
    keep using, and swapped in once caught up.
    """
    from redress.kit.admin import replay_projection

    collector.tune()
    total = asyncio.run(replay_projection(load_settings(), name, offline=offline))
    err.print(f"[green]{name} rebuilt from {total} events[/green]")


@app.command()
def verify() -> None:
    """Check that the stream holds the log, event by event in the log's order, and where each
    projection's checkpoint stands; exit 1 when anything disagrees."""
    from redress.kit.operations import show_verdict, verify_system

    verdict = asyncio.run(verify_system(load_settings(), err))
    show_verdict(verdict, out)
    if not verdict.ok:
        raise typer.Exit(1)


@app.command()
def status() -> None:
    """Delivery lag, each projection's distance from the stream's end, and each service's
    /health, as tables; exit 1 when delivery has stopped or a service is failing."""
    from redress.kit.operations import gather_status, show_status

    settings = load_settings()
    found = asyncio.run(gather_status(settings))
    show_status(found, out)
    if found.stopped(settings):
        raise typer.Exit(1)


@token_app.command("issue")
def token_issue(
    tenant: Annotated[str, typer.Option(help="the MSI the token acts in")] = "demo",
    role: Annotated[list[str], typer.Option(help="repeat for several roles")] = ["officer"],  # noqa: B006
    sub: Annotated[str, typer.Option(help="the principal's id")] = "dev-officer",
    org: Annotated[
        str | None,
        typer.Option(
            help="its organisation: member, partner, representative, facilitator; a"
            " supplier's site id"
        ),
    ] = None,
    ttl: Annotated[int, typer.Option(help="lifetime in seconds")] = 8 * 3600,
) -> None:
    """Print a signed bearer token (dev mode only)."""
    from redress.kit.auth import signer_for
    from redress.kit.authz import ORGANISATION_ROLES, Role
    from redress.kit.tenants import tenant_known
    from redress.tenancy.domain import SLUG

    settings = load_settings()
    if not SLUG.match(tenant):  # no tenant can be named so: every service would refuse it
        refuse(f"{tenant!r} is not a tenant's id: lower-case letters, digits and hyphens")
    known = {r.value for r in Role}
    if unknown := sorted(set(role) - known):
        refuse(f"unknown role {', '.join(unknown)}; known roles: {', '.join(sorted(known))}")
    if not org and (needs := sorted(ORGANISATION_ROLES & set(role))):
        refuse(f"a token with the role {', '.join(needs)} must name its organisation: --org")
    if not 0 < ttl <= settings.token_max_lifetime:
        refuse(
            f"--ttl must be between 1 and {settings.token_max_lifetime} seconds "
            "(REDRESS_TOKEN_MAX_LIFETIME)"
        )
    if not asyncio.run(tenant_known(settings, tenant)):
        # A token for no tenant reaches nothing (its commands are refused, unknown-tenant):
        # a typo is said here, not at the first request.
        refuse(f"there is no tenant {tenant!r}: `redress tenant create` registers one")
    print(signer_for(settings).issue(sub, tenant, role, org, ttl))


def refuse(message: str) -> NoReturn:
    """Stop with one line saying what is wrong, and exit code 2 (a usage error)."""
    err.print(f"[red]redress: {escape(message)}[/red]", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


@keys_app.command("init")
def keys_init(
    if_missing: Annotated[bool, typer.Option(help="succeed if the keyset exists")] = False,
) -> None:
    """Create the keyset file (REDRESS_KEYSET_FILE); REDRESS_MASTER_KEY becomes its first KEK."""
    from redress.kit.admin import init_keys

    path, created = init_keys(load_settings(), if_missing=if_missing)
    err.print(f"keyset {'written to' if created else 'already at'} {path}")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Rotate the key-encryption key now: re-wrap every data key, then destroy the old KEK."""
    from redress.kit.admin import rotate_keys

    done = asyncio.run(rotate_keys(load_settings()))
    err.print(
        f"[green]{done.rewrapped} data keys re-wrapped under {done.kek_id}; "
        f"retired {', '.join(done.retired) or 'nothing'}[/green]"
    )


@tenant_app.command("create")
def tenant_create(
    slug: Annotated[str, typer.Argument(help="the tenant's id in URLs, e.g. acme-msi")],
    name: Annotated[str, typer.Option(help="the initiative's name, shown to workers")],
    time_zone: Annotated[str, typer.Option(help="IANA time zone, e.g. Asia/Dhaka")] = "UTC",
    languages: Annotated[
        str, typer.Option(help="languages its form offers, comma-separated (default: all)")
    ] = "",
    working_days: Annotated[
        str, typer.Option(help="0 (Monday) to 6 (Sunday), comma-separated")
    ] = "0,1,2,3,4",
) -> None:
    """Register a new tenant (applies the migrations first on a fresh database)."""
    from redress.kit.tenants import tenant_command
    from redress.tenancy.domain import RegisterTenant
    from redress.tenancy.tenant import TenantRefused

    try:
        days = tuple(int(d) for d in working_days.split(",") if d.strip())
    except ValueError:
        refuse("--working-days takes day numbers, e.g. 0,1,2,3,4")
    langs = tuple(lang.strip() for lang in languages.split(",") if lang.strip())
    command = RegisterTenant(slug, name, time_zone, days)  # every language unless told
    if langs:
        command = RegisterTenant(slug, name, time_zone, days, langs)
    try:
        done = asyncio.run(tenant_command(load_settings(), slug, command))
    except TenantRefused as exc:
        refuse(f"{exc.detail} ({exc.kind})")
    err.print(f"[green]tenant {escape(slug)} registered[/green]: workers file on /t/{slug}/report")
    print(done.stream)


@tenant_app.command("show")
def tenant_show(slug: Annotated[str, typer.Argument(help="the tenant's id")]) -> None:
    """Print the tenant's settings, members, sites, time frames and retention as JSON."""
    import json

    from redress.kit.tenants import tenant_state
    from redress.tenancy.tenant import export

    state = asyncio.run(tenant_state(load_settings(), slug))
    if not state.registered:
        refuse(f"there is no tenant {slug!r}")
    print(json.dumps(export(state), indent=2, ensure_ascii=False))


@tenant_app.command("offboard")
def tenant_offboard(
    slug: Annotated[str, typer.Argument(help="the tenant's id")],
    reason: Annotated[str | None, typer.Option(help="recorded with the event")] = None,
) -> None:
    """Take the tenant off the platform: its form stops taking grievances."""
    from redress.kit.tenants import tenant_command
    from redress.tenancy.domain import Offboard
    from redress.tenancy.tenant import TenantRefused

    try:
        asyncio.run(tenant_command(load_settings(), slug, Offboard(reason)))
    except TenantRefused as exc:
        refuse(f"{exc.detail} ({exc.kind})")
    err.print(f"tenant {escape(slug)} offboarded")


def main() -> None:
    try:
        app()
    except ConfigurationError as exc:
        err.print(f"[red]redress: {exc}[/red]", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyError as exc:
        err.print(f"[red]redress: {exc.args[0]}[/red]", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
