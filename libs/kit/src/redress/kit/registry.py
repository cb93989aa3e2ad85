"""The services installed beside the kit, found by entry point: the kit never names them."""

from __future__ import annotations

import os
from importlib.metadata import entry_points

from redress.kit.service import ServiceSpec

# The fixed ports of `make run`; REDRESS_DEV_PORT_BASE moves them all (tests use it).
BASE = int(os.environ.get("REDRESS_DEV_PORT_BASE", "8000"))


def ports(base: int) -> dict[str, int]:
    """The services' ports of `make run` from `base`, then the relay's probes."""
    names = ["intake", "cases", "referral", "metrics", "assessment", "relay"]
    return {name: base + offset for offset, name in enumerate(names, 1)}


PORTS = {name: port for name, port in ports(BASE).items() if name != "relay"}


def relay_port() -> int:
    """The port of the relay's probes under `redress dev`, after the services'."""
    return ports(BASE)["relay"]


def services() -> dict[str, ServiceSpec]:
    found = {ep.name: ep.load() for ep in entry_points(group="redress.services")}
    return {name: found[name] for name in sorted(found, key=lambda n: PORTS.get(n, 9000))}


def service(name: str) -> ServiceSpec:
    known = services()
    if name not in known:
        raise KeyError(f"no service {name!r}; known: {', '.join(known)}")
    return known[name]
