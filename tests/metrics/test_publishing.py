"""Publishing is a job with progress (ADR 45): disclosure control tells how far it is, a job
whose process stopped is taken up by another and published once, one taken up too often is
said failed with what to do, and a refusal only the work can decide is said by the job as the
synchronous refusals say it. A job that ended is deleted once past its keeping; one under way
never is."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from redress.events.envelope import Actor, Metadata
from redress.kit.keyset import root_secret
from redress.kit.settings import ConfigurationError, load_settings
from redress.metrics import publications, publishing
from redress.metrics.app import service
from redress.metrics.disclosure import Release
from redress.metrics.releases import handlers
from redress.metrics.suppression import protect
from tests.metrics.conftest import API_TENANT
from tests.metrics.test_disclosure import cases, release_of

ADMIN = Metadata(tenant=API_TENANT, actor=Actor(id="admin-1", role="admin"))


def test_disclosure_control_tells_how_many_withheld_figures_it_has_checked_of_how_many():
    heard: list[tuple[int, int]] = []
    published = protect(release_of(cases(2, 150)), 5, audited=lambda n, of: heard.append((n, of)))
    assert published.primary > 0 and heard, "a release with small cells is audited"
    assert all(0 < n <= of for n, of in heard)
    assert [n for n, _ in heard] == sorted(n for n, _ in heard)  # it never goes back
    assert [of for _, of in heard] == sorted(of for _, of in heard)  # rounds add to the total
    assert heard[-1][0] == heard[-1][1]  # it ends with every one checked


async def asked(figures_api, period: str = "2025-01", corrects: str | None = None):
    async with figures_api.system.pool.acquire() as conn:
        return await publications.ask(conn, ADMIN, period, corrects, datetime.now(UTC))


async def stalled(figures_api, job_id: uuid.UUID, attempts: int) -> None:
    """As a process leaves a job it worked on when it is killed mid-way: working, half
    done, its heartbeat an hour old."""
    async with figures_api.system.pool.acquire() as conn:
        await conn.execute(
            """UPDATE metrics.publications SET state = 'working', step = 'protecting',
               audited = 3, to_audit = 40, runner = $2, attempts = $3,
               heartbeat = now() - interval '1 hour' WHERE id = $1""",
            job_id, uuid.uuid4(), attempts,
        )  # fmt: skip


async def ended(figures_api, job_id: uuid.UUID, state: str, days_ago: float) -> None:
    """As a job's end leaves it, `days_ago` days ago."""
    async with figures_api.system.pool.acquire() as conn:
        await conn.execute(
            """UPDATE metrics.publications SET state = $2, step = $2,
               finished_at = now() - make_interval(secs => $3 * 86400) WHERE id = $1""",
            job_id, state, days_ago,
        )  # fmt: skip


async def now_of(figures_api, job_id: uuid.UUID) -> publications.Job:
    async with figures_api.system.pool.acquire() as conn:
        job = await publications.find(conn, API_TENANT, job_id)
    assert job is not None
    return job


async def test_a_publication_whose_process_stopped_is_taken_up_and_published_once(figures_api):
    runtime = figures_api.app.state.runtime
    job = await asked(figures_api)
    await stalled(figures_api, job.id, attempts=1)
    # Asked again meanwhile, the period is being published: no second job.
    again = await figures_api.client.post(
        "/v1/figures/releases", json={"period": "2025-01"}, headers=figures_api.token()
    )
    assert again.status_code == 409 and again.json()["publication"] == str(job.id)
    await publishing.take_up(runtime)  # as each process does at start and every few seconds
    await publishing.finished(runtime, job.id)
    done = await now_of(figures_api, job.id)
    assert (done.state, done.step, done.attempts, done.problem) == ("published", "published", 2,
                                                                     None)  # fmt: skip
    [release] = await handlers.releases(figures_api.system.store, API_TENANT)
    assert (release.release_id, release.number, done.number) == (job.release_id, 1, 1)
    # Taken up, it is no longer stale: nothing more to take up.
    assert await publishing.take_up(runtime) == []
    seen = await figures_api.client.get(
        f"/v1/figures/publications/{job.id}", headers=figures_api.token()
    )
    assert seen.json()["release"] == f"/t/{API_TENANT}/figures/releases/{job.release_id}"


async def test_a_publication_taken_up_too_often_is_said_failed_with_what_to_do(figures_api):
    runtime = figures_api.app.state.runtime
    job = await asked(figures_api)
    await stalled(figures_api, job.id, attempts=publishing.ATTEMPTS)
    await publishing.take_up(runtime)
    await publishing.finished(runtime, job.id)
    failed = await now_of(figures_api, job.id)
    assert failed.state == "failed" and failed.problem is not None
    assert failed.problem["type"].endswith("publishing-failed")
    assert "publish it again" in failed.problem["detail"]
    assert await handlers.releases(figures_api.system.store, API_TENANT) == []
    # Failed, the period may be asked for again.
    retried = await figures_api.client.post(
        "/v1/figures/releases", json={"period": "2025-01"}, headers=figures_api.token()
    )
    assert retried.status_code == 202, retried.text


async def test_a_refusal_decided_only_by_the_work_is_said_by_the_publication(figures_api):
    """Published meanwhile another way (the command line), the period is refused when the
    job comes to record it: the problem the synchronous refusal gives."""
    runtime = figures_api.app.state.runtime
    job = await asked(figures_api)
    root = root_secret(figures_api.app.state.runtime.settings)
    await handlers.publish(figures_api.system.store, ADMIN, "2025-01", Release(()),
                           handlers.Publishing(root, datetime.now(UTC)))  # fmt: skip
    await publishing.start(runtime, job.id)
    await publishing.finished(runtime, job.id)
    seen = await figures_api.client.get(
        f"/v1/figures/publications/{job.id}", headers=figures_api.token()
    )
    body = seen.json()
    assert (body["state"], body["release"], body["release_id"]) == ("refused", None, None)
    assert body["problem"]["type"] == "urn:redress:problem:already-published"
    assert body["problem"]["status"] == 409 and "2025-01" in body["problem"]["detail"]
    assert len(await handlers.releases(figures_api.system.store, API_TENANT)) == 1


def test_a_check_begun_again_is_said_as_such_not_as_progress_lost():
    progress = publishing.Progress()
    progress.heard(10, 100)
    progress.heard(100, 120)
    assert (progress.step, progress.audited, progress.to_audit) == ("protecting", 100, 120)
    progress.heard(4, 90)  # another release recorded meanwhile: the check starts over
    assert (progress.step, progress.audited) == ("checking-again", 4)
    progress.heard(50, 90)
    assert progress.step == "checking-again"  # and stays said so until it ends
    recorded = publishing.Progress()
    recorded.heard(90, 90)
    recorded.step = "recording"  # the write found the stream moved on: decided again
    recorded.heard(95, 95)
    assert recorded.step == "checking-again"


async def test_a_publication_that_ended_is_deleted_once_past_its_keeping_never_one_under_way(
    figures_api,
):
    runtime = figures_api.app.state.runtime
    kept = runtime.settings.publications_kept_days
    assert publishing.forget_ended_publications in service.background  # every process runs it
    old = {state: await asked(figures_api, period)
           for state, period in (("published", "2024-01"), ("refused", "2024-02"),
                                 ("failed", "2024-03"))}  # fmt: skip
    for state, job in old.items():
        await ended(figures_api, job.id, state, kept + 1)
    recent = await asked(figures_api, "2024-04")
    await ended(figures_api, recent.id, "published", kept - 1)
    under_way = await asked(figures_api, "2024-05")
    async with figures_api.system.pool.acquire() as conn:  # asked for long ago, never ended
        await conn.execute(
            """UPDATE metrics.publications SET requested_at = now() - make_interval(
               secs => $2 * 86400) WHERE id = $1""",
            under_way.id, 3 * kept,
        )  # fmt: skip
    await publishing.forget_ended(runtime)
    for job in old.values():
        gone = await figures_api.client.get(
            f"/v1/figures/publications/{job.id}", headers=figures_api.token()
        )
        assert gone.status_code == 404, gone.text
        assert gone.json()["type"] == "urn:redress:problem:unknown-publication"
        assert "ended more than 90 days ago and was deleted" in gone.json()["detail"]
    for job in (recent, under_way):
        kept_job = await figures_api.client.get(
            f"/v1/figures/publications/{job.id}", headers=figures_api.token()
        )
        assert kept_job.status_code == 200, kept_job.text


def test_a_publication_is_kept_at_least_as_long_as_an_idempotency_key_that_names_it():
    with pytest.raises(ConfigurationError, match="publications_kept_days"):
        load_settings(publications_kept_days=7, _env_file=None)
