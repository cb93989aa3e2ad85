"""/metrics on a service and on the relay: what Prometheus scrapes, parsed as it parses it."""

from __future__ import annotations

import re

import httpx
from prometheus_client.parser import text_string_to_metric_families

from redress.events.relay import Relay
from redress.kit.relay import ServersProbe, relay_app
from tests.deploy.manifests import rendered
from tests.events.helpers import META, new_case, opened, running, wait_until
from tests.kit.test_service import bearer


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = await client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return samples(answer.text)


async def test_a_service_exports_runners_delivery_and_requests(system, service, settings, token):
    client, app = service
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with running(relay.run()):
        for _ in range(2):
            await system.store.append(new_case(), [opened()], 0, META)
        # One through the service's own requests' pool.
        assert (await client.post("/v1/cases", headers=bearer(token()))).status_code == 201
        runner = app.state.runtime.runners[0]
        await wait_until(lambda: _applied(runner, 3))
        # A path with a reference in it: no label may carry it.
        assert (await client.get("/t/acme/status/R-K7HX4MPA")).status_code == 404
        assert (await client.get("/health")).status_code == 200
        got = await scrape(client)
    projection = (("projection", "intake.opened"),)
    assert got[("redress_projection_state", (*projection, ("state", "ok")))] == 1
    assert got[("redress_projection_state", (*projection, ("state", "halted")))] == 0
    assert got[("redress_projection_position", projection)] == 3
    assert got[("redress_projection_behind_events", projection)] == 0
    assert got[("redress_delivery_lag_events", ())] == 0
    assert got[("redress_stream_last_sequence", ())] == 3
    health = (("method", "GET"), ("route", "/health"), ("status", "200"))
    assert got[("redress_http_requests_total", health)] >= 1
    unmatched = (("method", "GET"), ("route", "unmatched"), ("status", "404"))
    assert got[("redress_http_requests_total", unmatched)] == 1
    requests, delivery = (("pool", "requests"),), (("pool", "delivery"),)
    assert got[("redress_db_pool_size", requests)] == settings.pool_size
    assert got[("redress_db_pool_size", delivery)] == len(app.state.runtime.runners) + 1
    assert got[("redress_db_pool_peak_in_use", requests)] >= 1
    assert got[("redress_db_pool_peak_in_use", delivery)] >= 1
    assert got[("redress_db_pool_queued_total", requests)] == 0
    assert got[("redress_db_pool_waiting", requests)] == 0
    text = (await client.get("/metrics")).text
    assert "R-K7HX4MPA" not in text and "acme" not in text


async def test_a_stopped_relay_shows_as_lag_on_metrics(system, service):
    client, _ = service
    await system.store.append(new_case(), [opened()], 0, META)
    await system.store.append(new_case(), [opened()], 0, META)
    got = await scrape(client)
    assert got[("redress_delivery_lag_events", ())] == 2


async def test_the_relay_exports_what_it_published(system, settings):
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    transport = httpx.ASGITransport(app=relay_app(relay, settings, ServersProbe(settings, relay)))
    async with (
        running(relay.run()),
        httpx.AsyncClient(transport=transport, base_url="http://relay") as client,
    ):
        await system.store.append(new_case(), [opened(), opened()], 0, META)
        await wait_until(lambda: _published(relay, 2))
        got = await scrape(client)
    assert got[("redress_relay_published_total", ())] == 2
    assert got[("redress_relay_leading", ())] == 1
    assert got[("redress_relay_stalls_total", ())] == 0


async def _applied(runner, n: int) -> bool:
    return runner.position >= n


async def _published(relay: Relay, n: int) -> bool:
    return relay.published >= n


async def test_every_alert_names_only_metrics_that_are_exported(system, service, settings):
    """The production overlay's PrometheusRule against what a service and the relay export."""
    client, _ = service
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    transport = httpx.ASGITransport(app=relay_app(relay, settings, ServersProbe(settings, relay)))
    async with (
        running(relay.run()),
        httpx.AsyncClient(transport=transport, base_url="http://relay") as relay_client,
    ):
        await system.store.append(new_case(), [opened()], 0, META)
        await wait_until(lambda: _published(relay, 1))
        await client.get("/health")
        exported = {name for name, _ in await scrape(client)}
        exported |= {name for name, _ in await scrape(relay_client)}
    [rules] = [o for o in rendered("overlays/production") if o["kind"] == "PrometheusRule"]
    named = {
        metric
        for group in rules["spec"]["groups"]
        for rule in group["rules"]
        for metric in re.findall(r"\bredress_[a-z_]+", str(rule["expr"]))
    }
    assert named, "no alert names a metric"
    assert named <= exported, f"named by alerts, exported by nothing: {sorted(named - exported)}"
