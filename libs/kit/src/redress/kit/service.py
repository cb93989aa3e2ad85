"""The app factory: every service is a `ServiceSpec` turned into a FastAPI app the same way."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import multiprocessing
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import asyncpg
import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from nats.aio.client import Client as NATS
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client import CollectorRegistry
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from redress.events import asyncapi
from redress.events.migrations import Component
from redress.events.projection import Projection, ProjectionRunner
from redress.events.projection.announce import LISTENING
from redress.events.recovery import Trouble, supervise
from redress.events.store import EventStore
from redress.kit import collector, errors, logs, openapi, outage, telemetry
from redress.kit.access import AccessLog
from redress.kit.admission import Admission, admitted
from redress.kit.auth import verifier_for
from redress.kit.caching import NoStore
from redress.kit.embedded import die_with_parent
from redress.kit.exposition import HttpMetrics, RuntimeCollector, metrics_router
from redress.kit.head import HeadAsGet
from redress.kit.health import LagProbe, health_router
from redress.kit.leading import start_leading
from redress.kit.limits import BodySizeLimit, RefusalPage
from redress.kit.query import declared_query
from redress.kit.reads import ReadDeadline
from redress.kit.runtime import (
    Runtime,
    bus_for,
    keep_connecting,
    open_pool,
)
from redress.kit.settings import Settings, get_settings
from redress.kit.text import plain_request_line

log = structlog.get_logger("redress.service")

ProjectionFactory = Callable[[], Sequence[Projection]] | Callable[[Settings], Sequence[Projection]]
Background = Callable[[Runtime], Any]
Startup = Callable[[Runtime], Awaitable[None]]
Check = Callable[[Settings], None]
ExceptionHandler = Callable[[Request, Any], Awaitable[Response]]


@dataclass(frozen=True)
class ServiceSpec:
    """Everything a service is: `redress serve`, Kubernetes and the tests build it one way.

    Its name (= schema), its API routers and HTML pages, the exception handlers its pages
    need (the console sends a browser without a session to its login page), projections,
    migrations, start-up steps, background work and configuration checks. `embedded` names
    the migration folders of libraries whose tables the service keeps in its schema (for
    example `redress.kit.webhooks.MIGRATIONS`). The projections' factory may take the
    settings (`projections_for`), for a projection that needs keys or an outbox.
    """

    name: str
    title: str
    migrations: Path
    embedded: Sequence[Path] = ()
    routers: Sequence[APIRouter] = ()
    pages: Sequence[APIRouter] = ()
    exception_handlers: Mapping[type[Exception], ExceptionHandler] = field(default_factory=dict)
    projections: ProjectionFactory = lambda: ()
    background: Sequence[Background] = ()
    startup: Sequence[Startup] = ()
    checks: Sequence[Check] = ()
    seed: Callable[[Settings], Coroutine[Any, Any, None]] | None = None
    # What `redress dev` adds to this service's environment (`{port}`: the port it serves on),
    # unless the environment says otherwise: a fake outside party served by the service itself.
    dev_environment: Mapping[str, str] = field(default_factory=dict)
    max_body_bytes: int = 1_000_000
    large_body_paths: str | None = None
    large_body_bytes: int = 0
    # How the service's pages answer a body refused before routing (else problem+json).
    refusal_pages: Sequence[RefusalPage] = ()
    # Work before each rotation of the key-encryption key, on a pool of the service's role:
    # replacing keys wrapped by the KEK whose old copies must die with it (ADR 40).
    before_key_rotation: Callable[[Settings, asyncpg.Pool], Awaitable[object]] | None = None

    def projections_for(self, settings: Settings) -> Sequence[Projection]:
        """The projections, given the settings when the factory takes them (a projection
        that derives keys from the root secret, or sends webhooks)."""
        factory = self.projections
        if inspect.signature(factory).parameters:
            return cast(Callable[[Settings], Sequence[Projection]], factory)(settings)
        return cast(Callable[[], Sequence[Projection]], factory)()

    @property
    def component(self) -> Component:
        return Component(
            self.name, self.migrations, schema=self.name, embedded=tuple(self.embedded)
        )


def _pages_for_missing(pages: Sequence[RefusalPage]) -> ExceptionHandler:
    """An address nothing answers under a console (a typo, an old link) is a page of that
    console, as its other refusals are; anywhere else, problem+json."""

    async def missing(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            problem = errors.Problem(404, "not-found", "there is nothing at this address")
            for page in pages:
                if (answer := await page(request.scope, problem)) is not None:
                    return answer
        return await errors.http_problem(request, exc)

    return missing


def create_service_app(spec: ServiceSpec, settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logs.configure(spec.name, settings.log_level, settings.log_json)
    telemetry.configure(spec.name)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        asyncio.get_running_loop().set_exception_handler(logs.unhandled)
        runtime = await start_runtime(spec, settings)
        app.state.runtime = runtime
        collector = RuntimeCollector(runtime, app.state.lag_probe)
        app.state.metrics_registry.register(collector)
        try:
            yield
        finally:
            app.state.metrics_registry.unregister(collector)
            await stop_runtime(runtime)

    # The documentation's scripts and styles are served by the service itself: /docs must
    # work on a network without internet and call nothing outside (no online validator).
    # ReDoc is left out: its bundle loads its logo from the vendor's CDN.
    app = FastAPIOffline(
        # The address first: nothing else may see a NUL in a path parameter.
        dependencies=[Depends(plain_request_line), Depends(admitted), Depends(declared_query)],
        redoc_url=None,
        title=f"Redress {spec.title}",
        lifespan=lifespan,
        version="0.1.0",
        swagger_ui_parameters={"validatorUrl": None},
    )
    # Innermost of the kit's middleware: a read given up on is still logged, counted, and
    # marked not to be cached, as any answer.
    app.add_middleware(ReadDeadline)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=spec.max_body_bytes,
        large_paths=spec.large_body_paths,
        large_bytes=spec.large_body_bytes,
        pages=spec.refusal_pages,
    )
    app.state.admission = Admission(settings.admission_limit, settings.admission_wait)
    app.state.metrics_registry = CollectorRegistry()
    app.state.lag_probe = LagProbe()  # one probe, which /health and /metrics share
    app.add_middleware(AccessLog, metrics=HttpMetrics(app.state.metrics_registry))
    app.add_middleware(HeadAsGet)
    app.add_middleware(NoStore)  # outermost of ours: even a 413 is not cached
    errors.install(app)
    if spec.refusal_pages:
        app.add_exception_handler(StarletteHTTPException, _pages_for_missing(spec.refusal_pages))
    outage.install(app, spec.refusal_pages)
    app.include_router(health_router())
    app.include_router(metrics_router())
    app.include_router(catalogue_router())
    app.include_router(icon_router())
    for kind, handler in spec.exception_handlers.items():
        app.add_exception_handler(kind, handler)
    for router in (*spec.routers, *spec.pages):
        app.include_router(router)
    openapi.install(app)
    FastAPIInstrumentor.instrument_app(app, exclude_spans=["receive", "send"])
    return app


async def start_runtime(spec: ServiceSpec, settings: Settings) -> Runtime:
    role = settings.database_role or f"redress_{spec.name}"
    pool = await open_pool(settings, role=role, size=settings.pool_size)
    projections = spec.projections_for(settings)
    # Runners and /health's look at delivery have connections of their own: requests
    # queueing for the pool in a burst must neither starve delivery nor make /health
    # say that it stopped.
    delivery_pool = await open_pool(settings, role=role, size=len(projections) + 1)
    nc = NATS()
    js = nc.jetstream()
    bus = bus_for(settings)
    store = EventStore(pool)
    await store.start_notifier()
    runtime = Runtime(settings, pool, nc, js, bus, store, verifier_for(settings), delivery_pool)
    # Requests need PostgreSQL only: a service started while NATS is down serves them, and
    # its runners start once NATS answers.
    link = Trouble(f"{spec.name}.nats")
    runtime.background.append(link)
    connecting = asyncio.create_task(keep_connecting(settings, spec.name, nc, bus, link))
    # A NATS that answers does so in milliseconds: then the runners start at once; one that
    # does not must not hold up the requests.
    await asyncio.wait({connecting}, timeout=min(1.0, settings.connect_timeout))
    for setup in spec.startup:
        await setup(runtime)
    for projection in projections:
        runner = ProjectionRunner(
            projection, delivery_pool, js, bus, store=store, io_timeout=settings.io_timeout,
            gather=settings.runner_gather,
        )  # fmt: skip
        runtime.runners.append(runner)
    leading = start_leading(spec.name, runtime, role, connecting)
    if connecting.done():
        # Before the first request, as for NATS above: which process runs the runners is
        # settled in milliseconds, so that /health knows from the start how they are.
        settling = asyncio.ensure_future(leading.settled())
        await asyncio.wait({settling}, timeout=1.0)
        settling.cancel()
    runtime.tasks.append(connecting)
    for background in spec.background:
        name = f"{spec.name}.{getattr(background, '__name__', 'background')}"
        trouble = Trouble(name)
        runtime.background.append(trouble)
        work = functools.partial(background, runtime)
        runtime.tasks.append(asyncio.create_task(supervise(work, trouble), name=name))
    return runtime


async def stop_runtime(runtime: Runtime, grace: float = 5.0) -> None:
    """Stop background work and close connections, each within `grace` seconds.

    A stop must never hang: a client library that does not finish closing is cut off.
    """
    for task in runtime.tasks:
        task.cancel()
    if runtime.tasks:
        _, stuck = await asyncio.wait(runtime.tasks, timeout=grace)
        for task in stuck:
            log.warning("background task did not stop", task=task.get_name())
    if runtime.leading is not None and LISTENING.get(runtime.leading.listener.schema) is (
        runtime.leading.listener
    ):
        del LISTENING[runtime.leading.listener.schema]
    await runtime.store.close()
    try:
        await asyncio.wait_for(runtime.nc.close(), grace)
    except TimeoutError:
        log.warning("NATS connection did not close in time")
    except Exception:  # never connected
        log.info("NATS was not connected")
    for pool in (runtime.pool, runtime.delivery):
        try:
            await asyncio.wait_for(pool.close(), grace)
        except TimeoutError:
            log.warning("database pool did not close in time; terminating it")
            pool.terminate()


def catalogue_router() -> APIRouter:
    router = APIRouter(tags=["events"])

    @router.get("/asyncapi.json")
    async def event_catalogue(request: Request) -> JSONResponse:
        """The event catalogue as AsyncAPI 3.0: subjects, headers and payload schemas."""
        return JSONResponse(asyncapi.document(request.app.state.runtime.bus))

    return router


def icon_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/favicon.ico")
    async def no_icon() -> Response:
        """No icon, said once a day: a browser asks for one with every page, and a 404 page
        each time (in the worker's language, on the worker pages) is bytes a cheap phone
        pays for."""
        return Response(status_code=204, headers={"Cache-Control": "public, max-age=86400"})

    return router


# The service a worker process of `redress serve --workers N` serves.
SERVED = "REDRESS_SERVED"


def served_app() -> FastAPI:
    """The app of one worker of `redress serve --workers N`: uvicorn's factory, in the worker.

    The worker ends with the process that started it, even one killed outright: a worker
    left behind would go on taking connections on the port.
    """
    parent = multiprocessing.parent_process()
    die_with_parent()
    if parent is not None and os.getppid() != parent.pid:
        raise SystemExit("the process that started this worker has gone")
    app = app_for(os.environ[SERVED], get_settings())
    collector.tune()
    return app


def app_for(name: str, settings: Settings | None = None) -> FastAPI:
    """The app of the service called `name`, exactly as `redress serve NAME` runs it."""
    from redress.kit.registry import service  # the registry loads the services' specs

    return create_service_app(service(name), settings)


def store_of(app: FastAPI) -> EventStore:
    store: EventStore = app.state.runtime.store
    return store
