"""`redress seed figures`: a made-up initiative with two years of grievances."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

SEED_HELP = "the same seed gives the same grievances, steps and moments"


def figures(
    tenant: Annotated[str, typer.Option(help="the new tenant's slug")] = "synthetic",
    grievances: Annotated[int, typer.Option(min=1, max=1_000_000)] = 2000,
    seed: Annotated[int, typer.Option(help=SEED_HELP)] = 7,
    start: Annotated[str, typer.Option(help="first month, YYYY-MM")] = "2024-01",
    months: Annotated[int, typer.Option(min=1, max=120)] = 24,
    workers: Annotated[int, typer.Option(min=1, max=64, help="grievances recorded at once")] = 6,
    truth: Annotated[Path | None, typer.Option(help="write what was recorded, as JSON")] = None,
) -> None:
    """Create a tenant with grievances over two years through the real commands, with a
    progress bar; its events are dated in the past (docs/decisions/0022)."""
    from rich.progress import Progress

    from redress.kit.embedded import dev_database
    from redress.kit.settings import load_settings
    from redress.synth.seed import seed_figures, truth_json

    first = date.fromisoformat(f"{start}-01")
    with dev_database(), Progress() as progress:
        settings = load_settings()
        bar = progress.add_task(f"recording {tenant}", total=None)

        def advance(done: int, total: int | None = None) -> None:
            progress.update(bar, advance=done, total=total)

        try:
            recorded = asyncio.run(
                seed_figures(settings, tenant, grievances, seed, first, months, workers, advance)
            )
        except ValueError as exc:  # the tenant exists, or the platform runs
            typer.echo(f"redress: {exc}", err=True)
            raise typer.Exit(2) from None
    if truth is not None:
        truth.write_text(json.dumps(truth_json(recorded), indent=1))
    typer.echo(f"{tenant}: {len(recorded.grievances)} grievances, {len(recorded.audits)} audits")
