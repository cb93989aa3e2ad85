"""No route of any service hops to the thread pool on its way to the handler.

FastAPI runs a plain `def` dependency or endpoint in its thread pool: a hand-off to a thread
and back for every call, at every request, where a function that awaits nothing would do.
Under load that hand-off cost the cases service a tenth of its time (docs/performance.md).
Every dependency and endpoint is therefore `async def`.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from redress.kit.registry import services
from redress.kit.service import app_for
from redress.kit.settings import Settings


def routes(found: list[Any]) -> Iterator[APIRoute]:
    for route in found:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "routes", None) or getattr(
            getattr(route, "original_router", None), "routes", None
        )
        if inner:
            yield from routes(inner)


def awaited(call: Any) -> bool:
    """Called on the event loop: a coroutine or async generator function, or an object whose
    `__call__` is one (FastAPI's security schemes)."""
    return any(
        inspect.iscoroutinefunction(c) or inspect.isasyncgenfunction(c)
        for c in (call, getattr(call, "__call__", None))  # noqa: B004 - its method, not callable()
    )


def synchronous(dependant: Dependant) -> Iterator[str]:
    for sub in dependant.dependencies:
        call = sub.call
        if call is not None and not inspect.isclass(call) and not awaited(call):
            yield f"{call.__module__}.{getattr(call, '__qualname__', type(call).__qualname__)}"
        yield from synchronous(sub)


@pytest.mark.parametrize("name", sorted(services()))
def test_every_dependency_and_endpoint_is_async(name, tmp_path: Path):
    app = app_for(name, Settings(dev=True, data_dir=tmp_path, _env_file=None))
    checked = list(routes(app.routes))
    assert len(checked) > 10  # the service's own routes, not only the kit's
    plain = {
        f"{route.path}: {call}"
        for route in checked
        for call in [*synchronous(route.dependant),
                     *([route.endpoint.__qualname__]
                       if not awaited(route.endpoint) else [])]
    }  # fmt: skip
    assert not plain, sorted(plain)
