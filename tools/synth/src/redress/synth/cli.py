"""`redress seed figures`: a made-up initiative with two years of grievances."""

from __future__ import annotations

import asyncio
import json
import os
import re
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

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

    first = _checked(tenant, start, truth)
    with dev_database():
        settings = load_settings()
        settings.require_database()  # said before the progress bar is drawn
        with Progress() as progress:
            bar = progress.add_task(f"recording {tenant}", total=None)

            def advance(done: int, total: int | None = None) -> None:
                progress.update(bar, advance=done, total=total)

            try:
                recorded = asyncio.run(seed_figures(
                    settings, tenant, grievances, seed, first, months, workers, advance
                ))  # fmt: skip
            except ValueError as exc:  # the tenant exists, or the platform runs
                refuse(str(exc))
    if truth is not None:
        truth.write_text(json.dumps(truth_json(recorded), indent=1))
    typer.echo(f"{tenant}: {len(recorded.grievances)} grievances, {len(recorded.audits)} audits")


def _checked(tenant: str, start: str, truth: Path | None) -> date:
    """The first month, once the options are found usable: refused here, at once, rather than
    by a traceback, or after the whole tenant was recorded (a truth file that cannot be
    written), when a second run is refused since the tenant exists."""
    from redress.tenancy.domain import SLUG

    if not SLUG.match(tenant):
        refuse(f"--tenant {tenant!r} is not a tenant's id: lower-case letters, digits and hyphens")
    try:
        if not re.fullmatch(r"\d{4}-\d{2}", start):
            raise ValueError
        first = date.fromisoformat(f"{start}-01")
    except ValueError:
        refuse(f"--start {start!r} is not a month: YYYY-MM, e.g. 2024-01")
    if truth is not None:
        folder = truth.parent
        if truth.is_dir():
            refuse(f"--truth {str(truth)!r} is a directory: name a file")
        writable = os.access(truth if truth.exists() else folder, os.W_OK)
        if not folder.is_dir() or not writable:
            refuse(
                f"--truth {str(truth)!r} cannot be written: no writable directory {str(folder)!r}"
            )
    return first


def refuse(message: str) -> NoReturn:
    typer.echo(f"redress: {message}", err=True)
    raise typer.Exit(2)
