from redress.events.relay import Relay
from tests.conftest import SPANS
from tests.events.helpers import running
from tests.kit.test_service import bearer


async def test_one_trace_spans_request_relay_and_projection(system, service, token):
    client, app = service
    runner = app.state.runtime.runners[0]
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    SPANS.clear()
    async with running(relay.run()):
        made = await client.post("/v1/cases", headers=bearer(token()))
        assert made.status_code == 201
        assert await runner.wait_for(1, timeout=20)
    request = next(s for s in SPANS.get_finished_spans() if s.name == "POST /v1/cases")
    trace_id = request.context.trace_id
    in_trace = {s.name for s in SPANS.get_finished_spans() if s.context.trace_id == trace_id}
    assert "publish CaseOpened" in in_trace
    assert "project intake.opened CaseOpened" in in_trace
