"""OpenTelemetry: one tracer provider per process, exported by OTLP when configured."""

from __future__ import annotations

import os

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF


def configure(service: str) -> None:
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return  # already set up (tests install their own in-memory exporter)
    exporting = bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
    # A span no exporter takes is pure cost: its attributes and timings gathered for nothing,
    # on every request and every batch. Unsampled, each still gets its trace and span ids,
    # which the logs and the events' trace context carry. A sampler named in
    # OTEL_TRACES_SAMPLER is the operator's choice, and the SDK reads it (sampler=None).
    chosen = exporting or bool(os.environ.get("OTEL_TRACES_SAMPLER"))
    provider = TracerProvider(
        resource=Resource.create({"service.name": f"redress-{service}"}),
        sampler=None if chosen else ALWAYS_OFF,
    )
    if exporting:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
