"""`redress tenant create` on a fresh database, then a worker files on the tenant's form."""

import json
import re

import httpx

from redress.events.catalogue.tenant import TenantRegistered
from redress.events.relay import Relay
from redress.kit.service import app_for
from redress.tenancy.handlers import tenant_stream
from tests.events.helpers import running, wait_until
from tests.intake.conftest import CLIENT_ADDRESS, intake_settings
from tests.intake.test_web import receipt_of, report_fields
from tests.kit.test_cli import redress, system_env


async def test_a_tenant_created_from_the_command_line_takes_grievances(system, tmp_path):
    # A fresh database: the log's tables only, no service's schema, no demo seed.
    created = redress(
        "tenant", "create", "acme-msi", "--name", "Acme MSI", "--time-zone", "Asia/Dhaka",
        "--languages", "en,bn", env=system_env(system, tmp_path),
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == tenant_stream("acme-msi")
    (registered,) = await system.store.read_stream(tenant_stream("acme-msi"))
    assert registered.data == TenantRegistered(
        name="Acme MSI", time_zone="Asia/Dhaka", languages=("en", "bn")
    )
    assert (registered.tenant, registered.actor.role) == ("acme-msi", "platform")

    app = app_for("intake", intake_settings(system, tmp_path))
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    transport = httpx.ASGITransport(app=app, client=CLIENT_ADDRESS)
    async with (
        running(relay.run()),
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):

        async def form_served() -> bool:
            return (await client.get("/t/acme-msi/report")).status_code == 200

        await wait_until(form_served, timeout=30)
        page = await client.get("/t/acme-msi/report")
        assert "Acme MSI" in page.text
        # The form offers the tenant's languages, and only those.
        assert 'name="switch_to" value="bn"' in page.text
        assert 'name="switch_to" value="km"' not in page.text
        khmer = await client.get("/t/acme-msi/report?lang=km", headers={"Accept-Language": "bn"})
        assert 'lang="bn"' in khmer.text.split(">", 2)[1]
        tokens = {
            name: page.text.split(f'name="{name}" value="')[1].split('"')[0]
            for name in ("csrf", "form_id")
        }
        sent = await client.post(
            "/t/acme-msi/report", data=report_fields(tokens, site_id="", country="BD")
        )
        assert sent.status_code == 303, sent.text
        receipt = await client.get(sent.headers["location"])
        reference, secret = receipt_of(receipt)
        assert reference and secret
        # Every worker page offers the tenant's languages, and only those.
        status = await client.get("/t/acme-msi/status")
        verify = await client.get("/t/acme-msi/verify")
        # (the page asking for the receipt, from within its form: the reference typed stays)
        for worker_page, offer in ((status, r'name="switch_to" value="([a-z]+)"'),
                                   (verify, r'href="\?lang=([a-z]+)"')):  # fmt: skip
            offered = set(re.findall(offer, worker_page.text))
            assert offered == {"en", "bn"}, worker_page.text

    async with system.pool.acquire() as conn:
        filed = await conn.fetchval(
            "SELECT count(*) FROM eventlog.events WHERE tenant = 'acme-msi' "
            "AND type = 'GrievanceSubmitted'"
        )
    assert filed == 1


def test_the_command_line_refuses_a_second_tenant_and_a_bad_zone_and_offboards(system, tmp_path):
    env = system_env(system, tmp_path)
    assert redress("tenant", "create", "acme-msi", "--name", "Acme", env=env).returncode == 0
    again = redress("tenant", "create", "acme-msi", "--name", "Acme", env=env)
    assert again.returncode == 2
    assert "tenant-exists" in again.stderr
    zone = redress("tenant", "create", "other", "--name", "O", "--time-zone", "Mars/X", env=env)
    assert zone.returncode == 2
    assert "unknown-time-zone" in zone.stderr
    assert redress("tenant", "offboard", "acme-msi", env=env).returncode == 0
    shown = redress("tenant", "show", "acme-msi", env=env)
    assert shown.returncode == 0, shown.stderr
    exported = json.loads(shown.stdout)
    assert (exported["name"], exported["offboarded"]) == ("Acme", True)
