"""The Ingress in front of intake lets through what intake's report form takes.

A body limit at the proxy below the form's would refuse a worker's photos with the
controller's own HTML page, never the form's clear answer; the two are compared here on what
kustomize renders."""

from __future__ import annotations

import re

from redress.intake.app import service as intake
from tests.deploy.manifests import rendered

UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def nginx_size(text: str) -> int:
    """An nginx size ("52000000", "50m", "2k") in bytes."""
    match = re.fullmatch(r"(\d+)([kmg]?)", text.strip().lower())
    assert match, f"not an nginx size: {text!r}"
    return int(match.group(1)) * UNITS[match.group(2)]


def test_nginx_sizes_are_read_as_nginx_reads_them():
    assert [nginx_size(s) for s in ("2m", "512k", "52000000", "1G")] == [
        2 * 1024**2, 512 * 1024, 52_000_000, 1024**3,
    ]  # fmt: skip


def test_the_ingress_body_limit_is_the_report_forms_limit():
    (ingress,) = [m for m in rendered("overlays/production") if m["kind"] == "Ingress"]
    size = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    assert intake.large_body_bytes > 0
    assert nginx_size(size) == intake.large_body_bytes, (size, intake.large_body_bytes)
