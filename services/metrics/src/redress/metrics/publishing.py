"""Publishing a release as a job with progress (ADR 45).

Disclosure control takes up to a minute on a large tenant, too long for a request: asking to
publish records a job (`metrics.publications`) and answers at once; the process that took the
request works on it, telling the row how far it is (reading the ledger, computing the figures,
protecting: withheld facts bounded of how many, recording) and renewing its heartbeat, so that
any process of the service can say how the job stands.

A job whose heartbeat is stale lost its process (stopped, killed, cut off from the database):
every process looks for such jobs when it starts and every `SURVEY_EVERY_S`, and one of them
takes each up, claimed atomically. The release is recorded through `handlers.publish` in the
same transaction that marks the job published, and only by the run that holds the job: a
job is published once, whoever finishes it. A job taken up `ATTEMPTS` times is said failed.
A job that ended is kept `REDRESS_PUBLICATIONS_KEPT_DAYS`, then deleted (its release stays).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog

from redress.events.application import Recorded, Refused
from redress.events.envelope import Metadata
from redress.events.recovery import is_transient
from redress.events.store import Conn
from redress.kit.keyset import root_secret
from redress.kit.runtime import Runtime
from redress.metrics import figures, ledger, publications
from redress.metrics.publication import to_release
from redress.metrics.publications import COLUMNS, Job
from redress.metrics.releases import handlers
from redress.metrics.releases.periods import figures_period
from redress.metrics.tables import period_of

log = structlog.get_logger("redress.metrics.publishing")

HEARTBEAT_S = 2.0
# Six heartbeats missed: the process is gone, not slow (the audit runs in a thread, and the
# heartbeat goes on beside it).
STALE = timedelta(seconds=12)
SURVEY_EVERY_S = 10.0
# Jobs that ended are deleted after REDRESS_PUBLICATIONS_KEPT_DAYS; looked for hourly, as
# Idempotency-Keys are, since a day's precision is all a retention of weeks needs.
FORGET_EVERY_S = 3600.0
# Taken up this many times without ending: what stops it would stop the next run too.
ATTEMPTS = 3
RUNNING = "metrics.publishing"

_CLAIM_NEW = f"""
UPDATE metrics.publications
SET state = 'working', runner = $2, attempts = attempts + 1, heartbeat = now()
WHERE id = $1 AND state = 'queued' RETURNING {COLUMNS}, metadata
"""
_CLAIM_STALE = f"""
UPDATE metrics.publications
SET state = 'working', runner = $1, attempts = attempts + 1, heartbeat = now()
WHERE id = (SELECT id FROM metrics.publications
            WHERE state IN ('queued', 'working') AND heartbeat < now() - $2::interval
            ORDER BY heartbeat LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING {COLUMNS}, metadata
"""
_TELL = """
UPDATE metrics.publications SET heartbeat = now(), step = $3, audited = $4, to_audit = $5
WHERE id = $1 AND runner = $2 AND state = 'working'
"""
_END = """
UPDATE metrics.publications
SET state = $3, step = $3, problem = $4::jsonb, finished_at = now()
WHERE id = $1 AND runner = $2 AND state = 'working'
"""


class Lost(Exception):
    """Another run took the job up (this one was believed dead): it records, not this one."""


@dataclass
class Progress:
    """How far this run is; written by the audit's thread, read by the heartbeat."""

    step: str = "reading"
    audited: int = 0
    to_audit: int = 0

    def heard(self, audited: int, of: int) -> None:
        # A count that goes back is a check begun again: another release of the initiative was
        # recorded meanwhile, and these figures must hold beside it too (`handlers.publish`
        # decides again); said as such, not as progress lost.
        again = audited < self.audited or self.step in ("recording", "checking-again")
        self.step = "checking-again" if again else "protecting"
        self.audited, self.to_audit = audited, of


@dataclass(frozen=True)
class Recording:
    """The release's write, committed with the job's end, by the run that holds the job."""

    job: uuid.UUID
    runner: uuid.UUID
    progress: Progress

    async def begin(self, conn: Conn) -> Any:
        self.progress.step = "recording"  # protected and signed: the append is all left
        holder = await conn.fetchval(
            "SELECT runner FROM metrics.publications WHERE id = $1 FOR UPDATE", self.job
        )
        if holder != self.runner:
            raise Lost(str(self.job))
        return None

    async def end(self, conn: Conn, recorded: Recorded) -> None:
        event = handlers.published(recorded)
        await conn.execute(
            """UPDATE metrics.publications SET state = 'published', step = 'published',
               number = $2, audited = to_audit, heartbeat = now(), finished_at = now()
               WHERE id = $1""",
            self.job,
            event.number,
        )


def refusal(status: int, kind: str, title: str, detail: str) -> str:
    return json.dumps({"type": f"urn:redress:problem:{kind}", "title": title,
                       "status": status, "detail": detail})  # fmt: skip


async def _tell(runtime: Runtime, job: Job, runner: uuid.UUID, progress: Progress) -> bool:
    async with runtime.pool.acquire() as conn:
        done = await conn.execute(
            _TELL, job.id, runner, progress.step, progress.audited, progress.to_audit
        )
    return done.endswith(" 1")


async def _beat(runtime: Runtime, job: Job, runner: uuid.UUID, progress: Progress) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_S)
        try:
            await _tell(runtime, job, runner, progress)
        except Exception as exc:
            # A database that went away for a moment: the next beat tries again (beats
            # missed for STALE hand the job to another process, which records it instead).
            if not is_transient(exc):
                raise


async def _work(
    runtime: Runtime, job: Job, metadata: Metadata, runner: uuid.UUID, progress: Progress
) -> None:
    await _tell(runtime, job, runner, progress)
    period = figures_period(job.period)
    async with runtime.pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        rows = await ledger.read(conn, job.tenant)
    progress.step = "computing"
    await _tell(runtime, job, runner, progress)
    computed = await asyncio.to_thread(figures.compute, rows, period_of(period.kind, period.start))
    release = await asyncio.to_thread(to_release, computed)
    progress.step = "protecting"
    publishing = handlers.Publishing(
        root_secret(runtime.settings), job.requested_at, audited=progress.heard
    )
    await handlers.publish(
        runtime.store, metadata, period.label, release, publishing, corrects=job.corrects,
        release_id=job.release_id, transaction=Recording(job.id, runner, progress),
    )  # fmt: skip


async def run(runtime: Runtime, row: Any, runner: uuid.UUID) -> None:
    """Work on a job this run claimed, to its end: published, refused or failed."""
    job, metadata = Job.of(row), Metadata.model_validate_json(row["metadata"])
    if job.attempts > ATTEMPTS:
        detail = (f"publishing {job.period} stopped {ATTEMPTS} times before it ended; "
                  "publish it again, and if it stops again tell the operators")  # fmt: skip
        problem = refusal(500, "publishing-failed", "Publishing failed", detail)
        async with runtime.pool.acquire() as conn:
            await conn.execute(_END, job.id, runner, "failed", problem)
        return
    progress = Progress()
    beat = asyncio.create_task(_beat(runtime, job, runner, progress))
    try:
        await _work(runtime, job, metadata, runner, progress)
    except Refused as exc:
        problem = refusal(exc.status, exc.kind, "Refused", exc.detail)
        async with runtime.pool.acquire() as conn:
            await conn.execute(_END, job.id, runner, "refused", problem)
    except Lost:
        log.info("publication taken up by another process", publication=str(job.id))
    except Exception:
        # Left working: its heartbeat goes stale and a process takes it up again (a
        # database that went away comes back), until ATTEMPTS say it is no passing trouble.
        log.exception("publishing stopped; it will be taken up again", publication=str(job.id))
    finally:
        beat.cancel()


def _started(runtime: Runtime, row: Any, runner: uuid.UUID) -> asyncio.Task[None]:
    running: dict[uuid.UUID, asyncio.Task[None]] = runtime.extras.setdefault(RUNNING, {})
    job_id = row["id"]
    task = asyncio.create_task(run(runtime, row, runner), name=f"publication {job_id}")
    running[job_id] = task
    task.add_done_callback(lambda _: running.pop(job_id, None))
    return task


async def start(runtime: Runtime, job_id: uuid.UUID) -> asyncio.Task[None] | None:
    """Work on a job just asked for, in this process (None: another run has it)."""
    runner = uuid.uuid4()
    async with runtime.pool.acquire() as conn:
        row = await conn.fetchrow(_CLAIM_NEW, job_id, runner)
    return None if row is None else _started(runtime, row, runner)


async def take_up(runtime: Runtime) -> list[asyncio.Task[None]]:
    """Claim every job whose process stopped, and work on each here."""
    found: list[asyncio.Task[None]] = []
    while True:
        runner = uuid.uuid4()
        async with runtime.pool.acquire() as conn:
            row = await conn.fetchrow(_CLAIM_STALE, runner, STALE)
        if row is None:
            return found
        log.warning("taking up a publication whose process stopped", publication=str(row["id"]))
        found.append(_started(runtime, row, runner))


async def finished(runtime: Runtime, job_id: uuid.UUID) -> None:
    """Wait for this process's work on the job, if it has any (tests, and shutting down)."""
    task = runtime.extras.get(RUNNING, {}).get(job_id)
    if task is not None:
        await asyncio.shield(task)


async def keep_publishing(runtime: Runtime) -> None:
    """Background work of every process: take up the jobs whose process stopped, at start
    and every `SURVEY_EVERY_S`. Stopping the process stops its jobs, which another process
    (or this one, started again) takes up once their heartbeat is stale."""
    try:
        while True:
            await take_up(runtime)
            await asyncio.sleep(SURVEY_EVERY_S)
    except asyncio.CancelledError:
        # The process is stopping. (A failed look is retried by the supervisor and leaves
        # the jobs under way alone.)
        for task in list(runtime.extras.get(RUNNING, {}).values()):
            task.cancel()
        raise


async def forget_ended(runtime: Runtime) -> int:
    """Delete the jobs that ended more than `REDRESS_PUBLICATIONS_KEPT_DAYS` ago."""
    kept = timedelta(days=runtime.settings.publications_kept_days)
    async with runtime.pool.acquire() as conn:
        return await publications.forget_ended(conn, kept)


async def forget_ended_publications(runtime: Runtime) -> None:
    """Background work of every process: forget the jobs past their keeping, every hour (a
    delete that finds nothing is harmless, so every process may run it)."""
    while True:
        await forget_ended(runtime)
        await asyncio.sleep(FORGET_EVERY_S)
