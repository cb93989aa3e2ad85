import os
import subprocess
import sys

import pytest

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


SPAN_MADE_AS_A_SERVICE_MAKES_IT = """
from opentelemetry import trace
from redress.kit import telemetry
telemetry.configure("intake")
span = trace.get_tracer("t").start_span("a")
print(span.is_recording(), span.get_span_context().is_valid)
"""


@pytest.mark.parametrize(
    ("otel", "recording"),
    [
        ({}, "False"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}, "True"),
        ({"OTEL_TRACES_SAMPLER": "always_on"}, "True"),  # the operator's own choice
    ],
)
def test_spans_are_recorded_only_when_something_exports_them(otel, recording):
    """Without an exporter a span would be gathered for nothing; its ids are made all the
    same, for the logs and the trace context the events carry."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")} | otel
    made = subprocess.run(
        [sys.executable, "-c", SPAN_MADE_AS_A_SERVICE_MAKES_IT],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert made.stdout.split() == [recording, "True"]
