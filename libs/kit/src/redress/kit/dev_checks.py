"""What `redress dev` makes sure of before it starts anything: that it is the only one run
from this checkout, and that its ports are free.

A second `make run` in the same checkout took the ports of the first for its own (its
services failed on them and were started again without end), said it was running, and
wrote its own servers into `.data/dev.env`, so that `redress status` in another terminal
no longer found the first one.
"""

from __future__ import annotations

import fcntl
import socket
from pathlib import Path
from typing import IO

from redress.kit.settings import ConfigurationError


def hold_the_checkout(folder: Path) -> IO[str]:
    """An exclusive lock on `folder`'s `dev.lock`, held as long as the file stays open (the
    kernel lets go of it when the process ends, however it ends)."""
    folder.mkdir(parents=True, exist_ok=True)
    held = (folder / "dev.lock").open("a")
    try:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        held.close()
        raise ConfigurationError(
            f"the platform of `make run` is already running from this checkout (its addresses "
            f"are in {folder / 'dev.env'}): stop it with Ctrl-C first, or start another one "
            "from another checkout"
        ) from None
    return held


def ports_free(ports: dict[str, int]) -> None:
    """Refuses when a port `redress dev` would serve on is taken, naming it."""
    for name, port in ports.items():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                raise ConfigurationError(
                    f"port {port} ({name}) is in use: is another `make run` running? Stop it, "
                    "or set REDRESS_DEV_PORT_BASE to start this one on other ports"
                ) from None
