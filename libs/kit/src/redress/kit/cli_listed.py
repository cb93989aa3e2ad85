"""Parts of the `redress` command whose help lists what is installed: found when asked for,
so that no other command pays for loading every service."""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points
from typing import Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

from redress.kit.settings import Settings


class Seeds(TyperGroup):
    """The seeds installed beside the kit (entry points `redress.seeds`; the kit names none),
    loaded when `redress seed` runs: a seed imports every service, which no other command
    should pay for, and an image without seeds must still start."""

    def _installed(self) -> dict[str, EntryPoint]:
        return {found.name: found for found in entry_points(group="redress.seeds")}

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._installed()})

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = self._installed().get(cmd_name)
        if found is None:
            return super().get_command(ctx, cmd_name)
        try:
            function = found.load()
        except ImportError:  # declared by a package whose code is not installed
            return None
        one = typer.Typer(add_completion=False)  # completion is the top command's alone
        one.command(cmd_name)(function)
        return typer.main.get_command(one)


class ReplayCommand(TyperCommand):
    """`replay --help` names the projections it rebuilds, found when help is asked for: the
    services are loaded then, not for every other command."""

    def get_help(self, ctx: Any) -> str:
        from redress.kit.admin import all_replayable

        names = all_replayable(Settings.model_construct(dev=True))  # defaults: names only
        self.epilog = f"Projections: {', '.join(names)}."
        return super().get_help(ctx)
