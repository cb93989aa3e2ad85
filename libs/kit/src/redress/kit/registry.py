"""The services installed beside the kit, found by entry point: the kit never names them."""

from __future__ import annotations

from importlib.metadata import entry_points

from redress.kit.service import ServiceSpec

PORTS = {"intake": 8001, "cases": 8002, "referral": 8003, "metrics": 8004, "assessment": 8005}


def services() -> dict[str, ServiceSpec]:
    found = {ep.name: ep.load() for ep in entry_points(group="redress.services")}
    return {name: found[name] for name in sorted(found, key=lambda n: PORTS.get(n, 9000))}


def service(name: str) -> ServiceSpec:
    known = services()
    if name not in known:
        raise KeyError(f"no service {name!r}; known: {', '.join(known)}")
    return known[name]
