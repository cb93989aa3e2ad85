"""JSON logs through structlog. Nothing that could identify a worker is logged: no client
address, no request body, no receipt."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog
from opentelemetry import trace

from redress.events.recovery import describe, is_transient

log = structlog.get_logger("redress.loop")

_FORBIDDEN = frozenset({"client", "client_addr", "ip", "remote_addr", "x_forwarded_for"})


def _drop_addresses(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in _FORBIDDEN & event.keys():
        del event[key]
    return event


def _trace_ids(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    ctx = trace.get_current_span().get_span_context()
    if ctx.is_valid:
        event["trace_id"] = format(ctx.trace_id, "032x")
    return event


class _CurrentStderr:
    """Whatever `sys.stderr` is at the time of writing (a test may have replaced it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


class _OneLine(logging.Filter):
    """A library's warning about a lost server on one line: the traceback says nothing an
    operator needs, and one comes with every retry for as long as the outage lasts."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.levelno < logging.ERROR:
            exc = record.exc_info[1]
            # The library's own message ends in "; retrying": the reason goes after it.
            reason = describe(exc) if exc is not None else ""
            record.msg = f"{record.getMessage()}: {reason}"
            record.args = None
            record.exc_info = None
        return True


class _Structured(logging.StreamHandler):  # type: ignore[type-arg]
    """The libraries' own log lines (asyncio, asyncpg, uvicorn), written as the platform's:
    one line each, with its time, level and service."""


def unhandled(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The event loop's report of an error nothing awaited (a task's exception never
    retrieved, a callback's failure). A connection's trouble is one line, as every
    retry's; anything else keeps its traceback, on the platform's log."""
    exc = context.get("exception")
    message = context.get("message") or "unhandled error in a background task"
    task = context.get("future") or context.get("task")
    name = task.get_name() if isinstance(task, asyncio.Task) else None
    if exc is not None and is_transient(exc):
        log.warning(message, reason=describe(exc), task=name)
    else:
        log.error(message, task=name, exc_info=exc)


def configure(service: str, level: str = "info", as_json: bool = True) -> None:
    renderer: Any = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    )
    chain: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _trace_ids,
        _drop_addresses,
    ]
    structlog.configure(
        processors=[*chain, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(_CurrentStderr()),  # type: ignore[arg-type]
        # Not cached: a logger cached on first use keeps the renderer and level of the
        # configuration it first met, and a process that starts a second app (a worker
        # process's parent; the tests) would log the second's lines the first's way.
        cache_logger_on_first_use=False,
    )
    structlog.contextvars.bind_contextvars(service=service)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Structured)]:
        root.removeHandler(handler)
    handler = _Structured(_CurrentStderr())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*chain, structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    # The libraries' warnings and worse, not their chatter; fewer if the service asks less.
    handler.setLevel(max(logging.WARNING, logging.getLevelNamesMapping()[level.upper()]))
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    # Uvicorn's access log would print client addresses: it stays off.
    logging.getLogger("uvicorn.access").disabled = True
    # asyncpg's pool retries its connections with backoff while PostgreSQL is away.
    pool_log = logging.getLogger("asyncpg.pool")
    if not any(isinstance(f, _OneLine) for f in pool_log.filters):
        pool_log.addFilter(_OneLine())
