import asyncio
import dataclasses
from pathlib import Path

import httpx
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from redress.events.relay import Relay
from redress.kit.service import create_service_app
from redress.kit.settings import Settings
from tests.events.helpers import running, wait_until
from tests.kit.conftest import PROJECTION, spec


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


async def test_health_and_ready_answer_200(service):
    client, _ = service
    assert (await client.get("/health")).status_code == 200
    assert (await client.get("/ready")).json() == {"status": "ready"}


async def test_missing_and_bad_tokens_get_problem_json(service, token):
    client, _ = service
    missing = await client.post("/v1/cases")
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["type"] == "urn:redress:problem:unauthenticated"
    forged = await client.post("/v1/cases", headers=bearer(token()[:-4] + "AAAA"))
    assert forged.status_code == 401
    assert forged.json()["type"] == "urn:redress:problem:invalid-token"
    wrong_role = await client.post("/v1/cases", headers=bearer(token(["member"])))
    assert wrong_role.status_code == 403


async def test_oversize_body_is_refused_with_413(service, token):
    client, _ = service
    response = await client.post("/v1/cases", content=b"x" * 2_000_000, headers=bearer(token()))
    assert response.status_code == 413
    assert response.json()["type"] == "urn:redress:problem:too-large"


async def test_poison_event_makes_health_503_naming_the_event(system, service, token):
    client, app = service
    PROJECTION.poison = "bad"
    runner = app.state.runtime.runners[0]
    relay = Relay(system.dsn, system.js, system.bus, poll_interval=0.05)
    async with running(relay.run()):
        stream = "case-0190a000-0000-7000-8000-000000000001"
        from tests.events.helpers import META, opened

        await system.store.append(stream, [opened("bad")], 0, META)
        made = await client.post("/v1/cases", headers=bearer(token()))
        assert made.status_code == 201
        await wait_until(lambda: _halted(runner))
        health = await client.get("/health")
        assert health.status_code == 503
        problem = health.json()
        assert problem["type"] == "urn:redress:problem:projection-halted"
        event_id = runner.halted.event_id
        assert event_id in problem["detail"]
        assert await runner.checkpoint() == 0  # the later event waits behind the poison one
        PROJECTION.poison = None
        runner.resume()
        assert await runner.wait_for(2, timeout=10)
        assert (await client.get("/health")).status_code == 200


async def _halted(runner):
    await asyncio.sleep(0)
    return runner.halted is not None


async def test_the_event_catalogue_is_published_as_asyncapi(service):
    client, app = service
    doc = (await client.get("/asyncapi.json")).json()
    assert doc["asyncapi"].startswith("3.")
    prefix = app.state.runtime.bus.prefix
    assert (
        doc["channels"]["GrievanceSubmitted"]["address"] == f"{prefix}.grievance.GrievanceSubmitted"
    )
    message = doc["components"]["messages"]["CaseTriaged"]
    # A CloudEvent in JSON (ADR 0021), the event's own schema as its data.
    assert message["contentType"] == "application/cloudevents+json"
    envelope = message["payload"]
    assert {"id", "type", "stream", "version", "position", "data"} <= set(envelope["required"])
    data = envelope["properties"]["data"]
    assert {"case_id", "severity", "indicators"} <= set(data["properties"])
    from redress.events import catalogue

    assert set(doc["channels"]) == set(catalogue.known_types())


async def test_method_not_allowed_names_every_method_of_the_path(settings, tmp_path):
    router = APIRouter()

    @router.get("/v1/thing")
    async def read() -> dict[str, str]:
        return {}

    @router.put("/v1/thing")
    async def write() -> dict[str, str]:
        return {}

    app = create_service_app(dataclasses.replace(spec(tmp_path), routers=[router]), settings)
    transport = httpx.ASGITransport(app=app)  # no lifespan: no database needed for a 405
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.delete("/v1/thing")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, PUT"
    assert answer.headers["content-type"] == "application/problem+json"


def notes_app(spec_dir: Path, settings: Settings) -> FastAPI:
    router = APIRouter()

    class Note(BaseModel):
        text: str

    @router.post("/v1/notes")
    async def write(note: Note) -> dict[str, str]:
        return {"text": note.text}

    return create_service_app(dataclasses.replace(spec(spec_dir), routers=[router]), settings)


async def test_a_body_of_another_media_type_is_refused_with_415_naming_json(settings, tmp_path):
    # Every operation with a body documents 415; a caller who sent JSON as text/plain (or a
    # form) must be told to send application/json, not that its body is "not a dictionary".
    transport = httpx.ASGITransport(app=notes_app(tmp_path, settings))  # no database needed
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for kind in ("text/plain", "application/x-www-form-urlencoded", "application/xml", None):
            headers = {"content-type": kind} if kind else {}
            answer = await client.post("/v1/notes", content=b'{"text": "x"}', headers=headers)
            assert answer.status_code == 415, (kind, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["type"] == "urn:redress:problem:media-type"
            assert "application/json" in answer.json()["detail"]
        for kind in ("application/json", "application/json; charset=utf-8", "application/x+json"):
            answer = await client.post(
                "/v1/notes", content=b'{"text": "x"}', headers={"content-type": kind}
            )
            assert answer.status_code == 200, (kind, answer.text)
        wrong = await client.post("/v1/notes", json={"text": 7})
        assert wrong.status_code == 422 and wrong.json()["type"] == "urn:redress:problem:validation"
        absent = await client.post("/v1/notes")
        assert absent.status_code == 422 and "body" in absent.json()["detail"]


async def test_a_body_that_is_not_json_says_where_it_breaks(settings, tmp_path):
    transport = httpx.ASGITransport(app=notes_app(tmp_path, settings))  # no database needed
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answer = await client.post(
            "/v1/notes", content=b'{"text": "x",}', headers={"content-type": "application/json"}
        )
        # A control character: the decoder's own words end in "at"; the detail says it once.
        nul = await client.post(
            "/v1/notes", content=b'{"text": "x\x00"}', headers={"content-type": "application/json"}
        )
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "urn:redress:problem:validation"
    assert answer.json()["detail"] == (
        "the body is not valid JSON: Expecting property name enclosed in double quotes "
        "at character 13"
    )
    assert (
        nul.json()["detail"]
        == "the body is not valid JSON: Invalid control character at character 11"
    )


async def test_a_body_that_cannot_be_read_says_why(settings, tmp_path):
    """Bytes that are not UTF-8, and JSON nested past what the decoder follows: 400
    problem+json saying which, where FastAPI said "There was an error parsing the body"."""
    transport = httpx.ASGITransport(app=notes_app(tmp_path, settings))  # no database needed
    json_body = {"content-type": "application/json"}
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        latin = await client.post("/v1/notes", content=b'{"text": "caf\xe9"}', headers=json_body)
        deep = await client.post("/v1/notes", content=b"[" * 100_000, headers=json_body)
    for answer in (latin, deep):
        assert answer.status_code == 400, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == "urn:redress:problem:unreadable-body"
    assert latin.json()["detail"] == "the body is not UTF-8: byte 13 cannot be decoded"
    assert deep.json()["detail"] == "the body's JSON is nested too deeply to be read"


async def test_a_browsers_icon_request_is_answered_without_a_page(service):
    """Browsers ask every service for /favicon.ico with each page: no content, cached for a
    day, where a 404 page came back each time; not an operation of the API."""
    client, app = service
    icon = await client.get("/favicon.ico")
    assert icon.status_code == 204 and icon.content == b""
    assert icon.headers["cache-control"] == "public, max-age=86400"
    assert "/favicon.ico" not in app.openapi()["paths"]
