"""The app `redress serve NAME` runs (and Kubernetes with it) is the app the tests build."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from redress.kit import cli
from redress.kit.registry import services
from redress.kit.service import app_for
from redress.kit.settings import Settings


def served(name: str, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    """The app `redress serve NAME` hands to uvicorn, taken where it hands it over."""
    handed: list[FastAPI] = []

    async def no_preflight(settings: Settings, name: str) -> None:
        return None

    monkeypatch.setattr(uvicorn, "run", lambda app, **options: handed.append(app))
    monkeypatch.setattr("redress.kit.runtime.preflight", no_preflight)
    monkeypatch.setattr(cli, "load_settings", lambda: settings)
    result = CliRunner().invoke(cli.app, ["serve", name, "--port", "9"])
    assert result.exit_code == 0, result.output
    (app,) = handed
    return app


def shape(app: FastAPI) -> dict[str, Any]:
    """What makes an app behave: routes, exception handlers, middleware, lifespan."""
    return {
        "routes": sorted(
            (
                type(r).__name__,
                getattr(r, "path", ""),
                tuple(sorted(getattr(r, "methods", None) or ())),
                getattr(r, "name", ""),
            )
            for r in app.routes
        ),
        "handlers": {
            kind: getattr(h, "__qualname__", repr(h)) for kind, h in app.exception_handlers.items()
        },
        "middleware": [(m.cls, sorted(m.kwargs)) for m in app.user_middleware],
        "lifespan": app.router.lifespan_context.__qualname__,
    }


@pytest.mark.parametrize("name", list(services()))
def test_the_served_app_is_the_tested_app(name, settings, monkeypatch):
    assert shape(served(name, settings, monkeypatch)) == shape(app_for(name, settings))


def test_the_served_console_sends_a_browser_without_a_session_to_log_in(settings, monkeypatch):
    app = served("cases", settings, monkeypatch)
    client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    answer = client.get("/console")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login"
