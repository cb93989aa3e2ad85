"""The admins' releases page in the dashboards' console: the same sign-in as the officer
dashboard, a form that publishes a closed period (as people type it) or a correction of the
release in force, and a publication's page that refreshes itself while the work goes on
and ends with the release or the refusal in plain words. Form errors say what is wrong."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import httpx

from redress.events.envelope import Actor, Metadata
from redress.metrics import publications, publishing
from tests.metrics.conftest import API_TENANT

COOKIE = "staff_token"
PAGE = f"/dashboard/{API_TENANT}/releases"
REFRESH = '<meta http-equiv="refresh" content="2">'
NONE = "\N{EN DASH}"  # a release that corrects nothing, or is not corrected


def signed_in(api, roles=("admin",)) -> httpx.AsyncClient:
    token = api.signer.issue("admin-1", API_TENANT, list(roles), None)
    transport = api.client._transport  # the app, in this event loop
    return httpx.AsyncClient(transport=transport, base_url="http://test",
                             cookies={COOKIE: token})  # fmt: skip


async def sent(c: httpx.AsyncClient, data: dict) -> httpx.Response:
    """The form as the page gives it, sent with the page's CSRF token."""
    page = await c.get(PAGE)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return await c.post(PAGE, data={"csrf": csrf} | data)


async def followed(api, c: httpx.AsyncClient, answer: httpx.Response) -> str:
    """The publication's page once the work this process does on it has ended."""
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    await publishing.finished(api.app.state.runtime, uuid.UUID(location.rsplit("/", 1)[1]))
    page = await c.get(location)
    assert page.status_code == 200
    return page.text


async def under_way(figures_api, period: str) -> publications.Job:
    """A publication asked for and under way in a process that lives: its heartbeat is kept
    fresh, so that no process takes it up while the test looks at it."""
    meta = Metadata(tenant=API_TENANT, actor=Actor(id="admin-1", role="admin"))
    async with figures_api.system.pool.acquire() as conn:
        job = await publications.ask(conn, meta, period, None, datetime.now(UTC))
        await conn.execute("UPDATE metrics.publications SET heartbeat = 'infinity' "
                           "WHERE id = $1", job.id)  # fmt: skip
    return job


async def test_an_admin_publishes_a_period_and_its_correction_from_the_console(figures_api):
    async with signed_in(figures_api) as c:
        home = await c.get("/dashboard")
        assert (home.status_code, home.headers["location"]) == (303, PAGE)
        empty = await c.get(PAGE)
        assert empty.status_code == 200 and 'id="no-releases"' in empty.text
        assert "Publish a correction" not in empty.text  # nothing in force to correct
        page = await followed(figures_api, c, await sent(c, {"period": " 2025 q1 "}))
        assert REFRESH not in page and "Publishing 2025-Q1" in page
        link = re.search(r'href="(/t/figures-msi/figures/releases/[0-9a-f-]+)">see release 1<',
                         page)  # fmt: skip
        assert link, page
        assert (await c.get(link.group(1))).status_code == 200
        listed = (await c.get(PAGE)).text
        assert f'<a href="{link.group(1)}">Release 1</a></th><td>2025-Q1</td>' in listed
        first = link.group(1).rsplit("/", 1)[1]
        page = await followed(figures_api, c, await sent(c, {"corrects": first}))
        assert "Publishing 2025-Q1 (a correction)" in page and "see release 2" in page
        listed = (await c.get(PAGE)).text
        row = re.search(r'<tr id="release-1">.*?</tr>', listed).group(0)
        assert row.endswith(f"<td>{NONE}</td><td>release 2</td></tr>"), row
        row = re.search(r'<tr id="release-2">.*?</tr>', listed).group(0)
        assert f"<td>release 1</td><td>{NONE}</td>" in row, row


async def test_a_form_refused_says_what_is_wrong_beside_the_field_and_keeps_what_was_typed(
    figures_api,
):
    async with signed_in(figures_api) as c:
        for typed, status, said in [
            ("2999-01", 409, "2999-01 is not over yet"),
            ("", 422, "write the period to publish"),
            ("2025-13", 422, "Write the period as a year (2025), a quarter (2025-Q2)"),
        ]:
            page = await sent(c, {"period": typed})
            assert page.status_code == status, (typed, page.text)
            assert page.headers["content-type"].startswith("text/html")
            assert said in page.text, (typed, page.text)
            assert 'role="alert"' in page.text and 'aria-invalid="true"' in page.text
            assert f'value="{typed}"' in page.text
        await followed(figures_api, c, await sent(c, {"period": "2025-02"}))
        again = await sent(c, {"period": "2025-02"})
        assert again.status_code == 409 and "publish a correction" in again.text
        # Said once above the form and once beside the field, naming the release by its number
        # as the page does, never by its id.
        number = re.search(r"2025-02 has a release already, release (\d+)\.", again.text)[1]
        assert again.text.count("2025-02 has a release already") == 2
        assert f">Release {number}: 2025-02</option>" in again.text
        alert = again.text.split('role="alert"', 1)[1].split("</div>", 1)[0]
        assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", alert), alert
        unknown = await sent(c, {"corrects": str(uuid.uuid4())})
        assert unknown.status_code == 422 and "choose a release" in unknown.text


async def test_a_publication_under_way_refreshes_itself_and_says_how_far_it_is(figures_api):
    # Left queued, as a process that stopped before it began leaves it; then working.
    job = await under_way(figures_api, "2025-03")
    path = f"/dashboard/{API_TENANT}/publications/{job.id}"
    async with signed_in(figures_api) as c:
        queued = (await c.get(path)).text
        assert REFRESH in queued and "Waiting to begin" in queued
        async with figures_api.system.pool.acquire() as conn:
            await conn.execute(
                """UPDATE metrics.publications SET state = 'working', step = 'protecting',
                   audited = 12, to_audit = 40 WHERE id = $1""",
                job.id,
            )
        working = (await c.get(path)).text
        assert REFRESH in working and "12 of 40 withheld figures checked" in working
        assert '<progress max="40" value="12"' in working
        # A reader who needs longer turns the refreshing off, and sees the latest when asked.
        still = (await c.get(f"{path}?refresh=off")).text
        assert REFRESH not in still and "12 of 40 withheld figures checked" in still
        assert f'<a href="{path}">Refresh every two seconds again</a>' in still
        async with figures_api.system.pool.acquire() as conn:
            await conn.execute(
                """UPDATE metrics.publications SET state = 'refused', step = 'refused',
                   problem = $2::jsonb WHERE id = $1""",
                job.id,
                publishing.refusal(409, "budget-exhausted", "Refused", "the budget is spent"),
            )
        refused = (await c.get(path)).text
        assert REFRESH not in refused and "Not published: the budget is spent." in refused
        assert "The privacy budget of the year is spent" in refused
        assert (
            await c.get(f"/dashboard/{API_TENANT}/publications/{uuid.uuid4()}")
        ).status_code == 404


async def test_the_releases_pages_are_the_admins(figures_api):
    async with signed_in(figures_api, ("officer",)) as c:
        assert (await c.get("/dashboard")).headers["location"].endswith("/officer")
        assert (await c.get(PAGE)).status_code == 403
        page = await c.get(f"/dashboard/{API_TENANT}/officer")
        assert 'href="/dashboard/figures-msi/releases"' not in page.text
    async with signed_in(figures_api) as c:
        assert (await c.get(f"/dashboard/{API_TENANT}/officer")).status_code == 403
        other = await c.get("/dashboard/another-msi/releases")
        assert other.status_code == 404


async def test_a_period_being_published_is_refused_with_a_link_to_its_publication(figures_api):
    job = await under_way(figures_api, "2025-05")
    async with signed_in(figures_api) as c:
        page = await sent(c, {"period": "2025 05"})
        assert page.status_code == 409, page.text
        box = page.text.split('role="alert"', 1)[1].split("</div>", 1)[0]
        assert "The publication was refused.</p>" in box
        assert "This period is being published now." in box
        link = f'<a href="/dashboard/{API_TENANT}/publications/{job.id}">Follow that publication'
        assert link in box
