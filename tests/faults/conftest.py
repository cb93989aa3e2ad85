"""One platform for the whole fault suite, started as `make run` starts it, in a temp dir.

The suite runs with `make faults` (`pytest -m faults`); `make test` leaves it out.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.faults.platform import Platform, free_base
from tests.faults.report import REPORT


@pytest.fixture(scope="session")
def platform() -> Iterator[Platform]:
    running = Platform(Path(tempfile.mkdtemp(prefix="redress-faults-")), free_base())
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
async def ready(platform: Platform) -> AsyncIterator[Platform]:
    """The platform, every /health ok before the fault begins."""
    await platform.healthy(120)
    yield platform


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if REPORT.rows or REPORT.cpu:
        terminalreporter.write_line(REPORT.write())
