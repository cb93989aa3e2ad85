"""The service's NATS connection: a connection the service closes itself is no outage."""

from redress.events.recovery import Trouble
from redress.kit.runtime import open_nats
from tests.events.faults import own_nats
from tests.events.helpers import wait_until


async def test_closing_the_connection_on_shutdown_reports_no_lost_connection(settings, capsys):
    trouble = Trouble("nats")
    nc = await open_nats(settings, "test", trouble=trouble)
    assert nc.is_connected
    capsys.readouterr()

    await nc.close()

    assert not trouble.degraded, trouble.as_status()
    logged = capsys.readouterr()
    assert "lost" not in logged.out + logged.err


async def test_a_connection_the_server_drops_is_reported_lost(settings, tmp_path):
    trouble = Trouble("nats")
    async with own_nats(tmp_path / "nats") as server:
        nc = await open_nats(settings.model_copy(update={"nats_url": server.url}), "test",
                             trouble=trouble)  # fmt: skip
        try:
            server.server.stop()
            await wait_until(lambda: _degraded(trouble), timeout=10)
        finally:
            await nc.close()
    assert "the connection was lost" in (trouble.reason or "")


async def _degraded(trouble: Trouble) -> bool:
    return trouble.degraded
