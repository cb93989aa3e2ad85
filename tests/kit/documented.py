"""Real answers checked against what a service's OpenAPI documents for them.

Each answer must validate against its operation's documented schema (every model forbids
fields it does not name: a field a handler adds fails); and, over all the answers checked,
every field a model names must have come at least once (a field a handler drops fails).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import jsonschema
from fastapi import FastAPI


class Documented:
    def __init__(self, app: FastAPI) -> None:
        self.doc = app.openapi()
        self.seen: dict[str, set[str]] = defaultdict(set)
        self.named: dict[str, set[str]] = {}

    def check(self, answer: Any, path: str, method: str = "get") -> Any:
        """The answer's body, once it is what `path` documents for its status."""
        assert answer.headers["content-type"] == "application/json", answer.text
        responses = self.doc["paths"][path][method]["responses"]
        schema = responses[str(answer.status_code)]["content"]["application/json"]["schema"]
        assert "$ref" in schema, (path, schema)  # a model, not a bare object
        body = answer.json()
        validator = jsonschema.Draft202012Validator(
            {**schema, "components": self.doc["components"]},
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
        assert not errors, (path, errors)
        self._walk(schema, body)
        return body

    def unseen(self) -> dict[str, set[str]]:
        """The fields of each model reached that no answer checked carried."""
        left = {name: fields - self.seen[name] for name, fields in self.named.items()}
        return {name: fields for name, fields in left.items() if fields}

    def _walk(self, schema: dict[str, Any], value: Any) -> None:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            model = self.doc["components"]["schemas"][name]
            if "properties" in model and isinstance(value, dict):
                self.named[name] = set(model["properties"])
                self.seen[name] |= set(value)
            self._walk(model, value)
            return
        for branch in schema.get("anyOf", ()):
            if jsonschema.Draft202012Validator(
                {**branch, "components": self.doc["components"]}
            ).is_valid(value):
                self._walk(branch, value)
        if isinstance(value, dict):
            for key, sub in schema.get("properties", {}).items():
                if key in value:
                    self._walk(sub, value[key])
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                for v in value.values():
                    self._walk(extra, v)
        if isinstance(value, list) and isinstance(schema.get("items"), dict):
            for item in value:
                self._walk(schema["items"], item)
