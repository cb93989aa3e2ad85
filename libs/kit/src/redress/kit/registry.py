"""The services installed beside the kit, found by entry point: the kit never names them."""

from __future__ import annotations

import os
from importlib.metadata import entry_points

from redress.kit.service import ServiceSpec

# The fixed ports of `make run`; REDRESS_DEV_PORT_BASE moves them all (tests use it).
_BASE = int(os.environ.get("REDRESS_DEV_PORT_BASE", "8000"))
PORTS = {
    name: _BASE + offset
    for offset, name in enumerate(["intake", "cases", "referral", "metrics", "assessment"], 1)
}


def relay_port() -> int:
    """The port of the relay's probes under `redress dev`, after the services'."""
    return max(PORTS.values()) + 1


def services() -> dict[str, ServiceSpec]:
    found = {ep.name: ep.load() for ep in entry_points(group="redress.services")}
    return {name: found[name] for name in sorted(found, key=lambda n: PORTS.get(n, 9000))}


def service(name: str) -> ServiceSpec:
    known = services()
    if name not in known:
        raise KeyError(f"no service {name!r}; known: {', '.join(known)}")
    return known[name]
