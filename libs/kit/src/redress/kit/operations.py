"""`redress verify` and `redress status`: the whole system as an operator on call sees it.

Both read PostgreSQL and NATS directly, so they answer with every service stopped; `status`
adds what each service says on /health where it can reach one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress
from rich.table import Table

from redress.events.lag import delivery_lag
from redress.events.recovery import describe
from redress.events.verify import Verdict, checkpoints, verify
from redress.kit.registry import ports
from redress.kit.runtime import bus_for, open_nats, open_pool
from redress.kit.settings import ConfigurationError, Settings


async def verify_system(settings: Settings, console: Console) -> Verdict:
    """The log against the stream, event by event, with a progress bar of the stream read."""
    pool = await open_pool(settings, size=1, bounded=False)
    nc = await open_nats(settings, "verify")
    try:
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("reading the stream", total=None)
            async with pool.acquire() as conn:
                return await verify(
                    conn,
                    nc.jetstream(timeout=settings.io_timeout),
                    bus_for(settings),
                    lambda done, total: progress.update(task, completed=done, total=total),
                )
    finally:
        await nc.close()
        await pool.close()


def show_verdict(verdict: Verdict, console: Console) -> None:
    console.print(
        f"log: {verdict.log_events} events; stream: {verdict.stream_messages} messages",
        soft_wrap=True,
    )
    for problem in verdict.problems:
        console.print(f"[red]- {problem}[/red]", highlight=False, soft_wrap=True)
    if not verdict.problems:
        behind = verdict.log_events - verdict.stream_messages
        console.print(
            "[green]the stream holds the log, event by event, in its order[/green]"
            + (f" ({behind} events not published yet)" if behind > 0 else ""),
            soft_wrap=True,
        )
    table = Table("schema", "projection", "checkpoint", "verdict")
    for checkpoint, note in verdict.checkpoints:
        colour = "green" if note == "ok" else "red"
        table.add_row(
            checkpoint.schema, checkpoint.name, str(checkpoint.position), f"[{colour}]{note}"
        )
    console.print(table)


@dataclass
class Status:
    stream_last: int = 0
    lag_events: int = 0
    lag_s: float = 0.0
    projections: list[tuple[str, int]] = field(default_factory=list)  # (schema.name, behind)
    unknown_types: dict[str, int] = field(default_factory=dict)  # in the stream, per type
    services: dict[str, str] = field(default_factory=dict)
    unreachable: str = ""  # why the log and the stream could not be read, if they could not

    def stopped(self, settings: Settings) -> bool:
        return (
            bool(self.unreachable)
            or self.lag_s > settings.health_lag_after
            or any(not answer.startswith("200") for answer in self.services.values())
        )


async def gather_status(settings: Settings) -> Status:
    """Delivery lag from both ends, each projection's distance from the stream's end, and
    the /health of every service whose address is known. With PostgreSQL or NATS down or
    frozen, what the services say is shown all the same, and which of them did not answer:
    that is when an operator needs it most."""
    services = asyncio.ensure_future(_healths(_service_urls(settings), settings.io_timeout))
    asked = ["PostgreSQL"]  # the servers asked, in order: the last one did not answer
    try:
        status = await _read_delivery(settings, asked.append)
    except ConfigurationError as exc:  # could not connect: it names the server
        status = Status(unreachable=str(exc))
    except Exception as exc:
        status = Status(unreachable=f"{asked[-1]}: {describe(exc)}")
    status.services = await services
    return status


async def _read_delivery(settings: Settings, asking: Callable[[str], None]) -> Status:
    pool = await open_pool(settings, size=1)
    nc = await open_nats(settings, "status")
    try:
        js, bus = nc.jetstream(timeout=settings.io_timeout), bus_for(settings)
        lag = await delivery_lag(pool, js, bus, timeout=settings.io_timeout, asking=asking)
        asking("NATS")
        last = await asyncio.wait_for(bus.last_sequence(js), settings.io_timeout)
        unknown = await asyncio.wait_for(bus.unknown_types(js), settings.io_timeout)
        asking("PostgreSQL")
        async with pool.acquire() as conn:
            found = await checkpoints(conn)
    finally:
        await nc.close()
        await pool.close()
    status = Status(last, lag.events, lag.seconds, unknown_types=unknown)
    status.projections = [(f"{c.schema}.{c.name}", last - c.position) for c in found]
    return status


def _service_urls(settings: Settings) -> dict[str, str]:
    if settings.peer_urls:
        return dict(settings.peer_urls)
    if settings.dev:  # what `make run` starts, relay included, from its dev.env's base
        return {name: f"http://127.0.0.1:{port}"
                for name, port in ports(settings.dev_port_base).items()}  # fmt: skip
    return {}


async def _healths(urls: dict[str, str], timeout: float) -> dict[str, str]:
    async def one(client: httpx.AsyncClient, url: str) -> str:
        try:
            answer = await client.get(f"{url.rstrip('/')}/health")
        except httpx.HTTPError as exc:
            return f"no answer: {describe(exc)}"
        body: dict[str, Any] = answer.json() if answer.content else {}
        what = body.get("status") or str(body.get("type", "")).rsplit(":", 1)[-1]
        return f"{answer.status_code} {what}"

    async with httpx.AsyncClient(timeout=timeout) as client:
        answers = await asyncio.gather(*(one(client, url) for url in urls.values()))
    return dict(zip(urls, answers, strict=True))


def show_status(status: Status, console: Console) -> None:
    if status.unreachable:
        console.print(f"[red]delivery unknown: {status.unreachable}[/red]", highlight=False,
                      soft_wrap=True)  # fmt: skip
    else:
        _show_delivery(status, console)
    if status.services:
        services = Table("service", "/health")
        for name, answer in status.services.items():
            services.add_row(name, answer)
        console.print(services)


def _show_delivery(status: Status, console: Console) -> None:
    delivery = Table("delivery", "value")
    delivery.add_row("stream's last sequence", str(status.stream_last))
    delivery.add_row("events not yet in the stream", str(status.lag_events))
    delivery.add_row("oldest of them waiting, s", f"{status.lag_s:g}")
    # Written by a newer build: no runner here is sent them; deploy the consumers that read them.
    unknown = ", ".join(f"{kind} ({n})" for kind, n in sorted(status.unknown_types.items()))
    delivery.add_row("event types this build does not know", unknown or "none")
    console.print(delivery)
    projections = Table("projection", "events behind the stream")
    for name, behind in status.projections:
        projections.add_row(name, str(behind))
    console.print(projections)
