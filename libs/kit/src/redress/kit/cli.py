"""The `redress` command line."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer
from rich.console import Console

from redress.kit.settings import ConfigurationError, load_settings

app = typer.Typer(no_args_is_help=True, help="Redress: a shared grievance platform for MSIs.")
token_app = typer.Typer(no_args_is_help=True, help="Access tokens (dev mode).")
app.add_typer(token_app, name="token")
err = Console(stderr=True)


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
) -> None:
    """Run one service."""
    import uvicorn

    from redress.kit.registry import service
    from redress.kit.runtime import preflight
    from redress.kit.service import create_service_app

    settings = load_settings()
    spec = service(name)
    for check in spec.checks:
        check(settings)
    asyncio.run(preflight(settings, spec.name))
    uvicorn.run(
        create_service_app(spec, settings),
        host=host,
        port=port,
        access_log=False,
        log_level="warning",
        proxy_headers=False,
    )


@app.command()
def relay(
    port: Annotated[
        int | None, typer.Option(help="answer /live and /health on this port (for probes)")
    ] = None,
) -> None:
    """Run the relay (one leads; others stand by)."""
    from redress.kit.relay import run_relay

    asyncio.run(run_relay(load_settings(), port))


@app.command()
def migrate() -> None:
    """Apply the migrations of the log and of every service."""
    from redress.kit.admin import apply_migrations

    for name in asyncio.run(apply_migrations(load_settings())) or ["nothing to apply"]:
        err.print(f"  {name}")


@app.command()
def replay(
    name: Annotated[str, typer.Argument(help="<service>.<projection>, e.g. cases.queue")],
) -> None:
    """Rebuild a projection from the start of the stream, with a progress bar."""
    from redress.kit.admin import replay_projection

    total = asyncio.run(replay_projection(load_settings(), name))
    err.print(f"[green]{name} rebuilt from {total} events[/green]")


@token_app.command("issue")
def token_issue(
    tenant: Annotated[str, typer.Option(help="the MSI the token acts in")] = "demo",
    role: Annotated[list[str], typer.Option(help="repeat for several roles")] = ["officer"],  # noqa: B006
    sub: Annotated[str, typer.Option(help="the principal's id")] = "dev-officer",
    org: Annotated[str | None, typer.Option(help="member company or partner id")] = None,
    ttl: Annotated[int, typer.Option(help="lifetime in seconds")] = 8 * 3600,
) -> None:
    """Print a signed bearer token (dev mode only)."""
    from redress.kit.auth import signer_for

    print(signer_for(load_settings()).issue(sub, tenant, role, org, ttl))


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
