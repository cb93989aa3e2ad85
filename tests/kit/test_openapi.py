"""Every service's OpenAPI documents every answer: errors as problem+json with one schema."""

import pytest

from redress.kit.registry import services
from redress.kit.service import create_service_app
from redress.kit.settings import Settings

PROBLEM = {"$ref": "#/components/schemas/ProblemDetails"}


def documents(tmp_path):
    settings = Settings(dev=True, data_dir=tmp_path, log_json=False, _env_file=None)
    return {name: create_service_app(spec, settings).openapi() for name, spec in services().items()}


def operations(doc):
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def test_every_service_documents_its_errors_as_problem_details(tmp_path):
    docs = documents(tmp_path)
    assert {"intake", "cases"} <= set(docs)
    for name, doc in docs.items():
        schemas = doc["components"]["schemas"]
        assert set(schemas["ProblemDetails"]["properties"]) == {
            "type", "title", "status", "detail", "instance", "errors"
        }  # fmt: skip
        assert "HTTPValidationError" not in schemas, name
        for path, method, op in operations(doc):
            where = (name, method, path)
            for code, response in op["responses"].items():
                if int(code) >= 400:
                    assert response["content"] == {"application/problem+json": {"schema": PROBLEM}}
                    assert response["description"], where
            codes = set(op["responses"])
            if op.get("security"):
                assert {"401", "403"} <= codes, where
            if "{" in path:
                assert "404" in codes, where
            if "requestBody" in op:
                assert {"400", "413", "415", "422"} <= codes, where
            if path.startswith("/v1/"):
                assert "422" in codes, where  # a parameter the address does not take
            if any(p["name"] == "min_version" for p in op.get("parameters", [])):
                assert op["responses"]["202"]["headers"]["Retry-After"], where


def bare(schema, components) -> bool:
    """A schema that names no field of what it describes: any JSON, or any object."""
    if "$ref" in schema:
        return bare(components[schema["$ref"].rsplit("/", 1)[1]], components)
    if "items" in schema:
        return bare(schema["items"], components)
    if "anyOf" in schema:
        return any(bare(b, components) for b in schema["anyOf"] if b.get("type") != "null")
    return schema.get("type") in (None, "object") and "properties" not in schema


def test_no_json_answer_of_the_api_is_a_bare_object(tmp_path):
    """Every 2xx JSON answer of a /v1/ route says what it carries: a model, not `dict[str,
    Any]` nor `Any` (a read that builds its answer as a dict is `documented` by one)."""
    bare_answers = []
    for name, doc in documents(tmp_path).items():
        components = doc["components"]["schemas"]
        for path, method, op in operations(doc):
            if not path.startswith("/v1/"):
                continue
            for code, response in op["responses"].items():
                if not code.startswith("2") or code == "204":
                    continue
                assert response.get("content"), (name, method, path, code)
                json = response["content"].get("application/json")
                if json is not None and bare(json.get("schema", {}), components):
                    bare_answers.append((name, method.upper(), path, code))
    assert bare_answers == []


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_health_documents_its_503(tmp_path, path):
    for doc in documents(tmp_path).values():
        assert doc["paths"][path]["get"]["responses"]["503"]["content"]


async def test_answers_match_what_the_document_says(service, token):
    """The kit's own errors, as sent, are what the schema describes."""
    client, app = service
    doc = app.openapi()
    responses = doc["paths"]["/v1/cases"]["post"]["responses"]
    required = set(doc["components"]["schemas"]["ProblemDetails"]["required"])
    for answer in [
        await client.post("/v1/cases"),
        await client.post("/v1/cases", headers={"Authorization": f"Bearer {token(['member'])}"}),
        await client.post("/v1/cases", content=b"x" * 2_000_000),
    ]:
        assert str(answer.status_code) in responses, answer.status_code
        assert answer.headers["content-type"] == "application/problem+json"
        assert required <= set(answer.json())
