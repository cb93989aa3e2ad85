"""Where settings come from: REDRESS_* variables, and `.data/dev.env`, which `redress dev`
writes for the commands run beside it; said when a setting is missing or a server it names
does not answer."""

from __future__ import annotations

import os
from pathlib import Path

DEV_ENV = Path(".data/dev.env")


class ConfigurationError(Exception):
    """Configuration that cannot work; the message is one line saying what is wrong."""


def from_dev_env(name: str) -> bool:
    """Whether the setting `name` (`REDRESS_DATABASE_URL`) was read from `.data/dev.env`,
    which only `redress dev` writes: a server it names is the embedded one of `make run`."""
    if name in os.environ or not DEV_ENV.is_file():
        return False
    return any(line.partition("=")[0].strip() == name for line in DEV_ENV.read_text().splitlines())


def explained(message: str) -> str:
    """`message`, and where settings come from when a command runs away from the checkout
    `redress dev` set up; led by there being none at all where none was found (a fresh clone,
    where `make run` has not run yet)."""
    if DEV_ENV.exists():
        return message
    if not any(name.upper().startswith("REDRESS_") for name in os.environ):
        return (
            f"no settings were found (no {DEV_ENV} in {Path.cwd()}, no REDRESS_* variable):"
            f" start `make run` there, which writes {DEV_ENV}, or set the REDRESS_* settings"
            f" (README.md, Configuration); {message}"
        )
    return (
        f"{message} (settings come from REDRESS_* variables, and from {DEV_ENV} where"
        f" `redress dev` runs; there is none in {Path.cwd()})"
    )
