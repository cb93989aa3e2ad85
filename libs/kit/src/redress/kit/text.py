"""Text as it may enter the platform: no NUL, no other control characters, valid Unicode;
single-line text without the bidirectional controls that reorder it either.

PostgreSQL refuses NUL in text and lone surrogates cannot be encoded as UTF-8; other
control characters have no place in what a person types and can hide text from a reader.
`Line` is single-line text (names, references, filters); `Prose` also keeps line breaks and
tabs (narratives, messages, notes). Both work for bodies, query parameters and form fields,
and publish a `pattern` in the OpenAPI schema so clients know what is refused.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import unquote_plus

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema
from starlette.requests import Request

from redress.kit.errors import Problem

# C0 controls, DEL, C1 controls, line and paragraph separators, the bidirectional
# embeddings, overrides and isolates (a name, a title or a reference that reads backwards or
# out of order on a console is a spoof, ADR 44; the marks LRM and RLM stay), and lone
# surrogates.
_LINE = r"\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
# The same, less tab, line feed and carriage return.
_PROSE = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff"
# What the JSON schema says (ECMA-262 regex; surrogates cannot travel in valid JSON anyway).
_LINE_SCHEMA = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$"
_PROSE_SCHEMA = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]*$"


@dataclass(frozen=True)
class _Refusing:
    forbidden: re.Pattern[str]
    schema_pattern: str
    what: str
    filled: bool = False

    def check(self, value: str) -> str:
        if self.forbidden.search(value):
            raise ValueError(f"{self.what} may not contain NUL or other control characters")
        # Blank is what shows nothing: spaces, and zero-width or other invisible marks too.
        if self.filled and not visible(value):
            raise ValueError(f"{self.what} may not be blank")
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.setdefault("pattern", self.schema_pattern)
        return json_schema


_ONE_LINE = _Refusing(re.compile(f"[{_LINE}]"), _LINE_SCHEMA, "a single line of text")
_MULTI_LINE = _Refusing(re.compile(f"[{_PROSE}]"), _PROSE_SCHEMA, "text")


def _filled(pattern: str) -> str:
    # One plain pattern (no lookahead, which generators of test data cannot read): allowed
    # characters only, and at least one of them that is not white space.
    allowed = pattern.removeprefix("^[^").removesuffix("]*$")
    return rf"^[^{allowed}]*[^\s{allowed}][^{allowed}]*$"


_ONE_FILLED_LINE = _Refusing(
    re.compile(f"[{_LINE}]"), _filled(_LINE_SCHEMA), "a single line of text", filled=True
)
_FILLED_PROSE = _Refusing(re.compile(f"[{_PROSE}]"), _filled(_PROSE_SCHEMA), "text", filled=True)

Line = Annotated[str, _ONE_LINE]
"""Single-line text: no control characters at all."""

Prose = Annotated[str, _MULTI_LINE]
"""Multi-line text: line feeds, carriage returns and tabs, but no other control characters."""

FilledLine = Annotated[str, _ONE_FILLED_LINE]
"""`Line` that is not blank, as its published pattern says too."""

FilledProse = Annotated[str, _FILLED_PROSE]
"""`Prose` that is not blank, as its published pattern says too."""


def check_line(value: str) -> str:
    """`Line` outside a model; raises ValueError."""
    return _ONE_LINE.check(value)


def strip_controls(value: str) -> str:
    """Text from a machine that a person cannot correct (an SMS): controls dropped, not refused."""
    return re.sub(f"[{_PROSE}]", "", value)


# Letters and symbols that render as nothing (fillers, the blank braille pattern).
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def visible(value: str) -> bool:
    """Whether the text shows anything: not only spaces, zero-width or other invisible marks."""
    return any(unicodedata.category(ch)[0] not in "ZC" and ch not in _BLANK for ch in value)


async def plain_request_line(request: Request) -> None:
    """Refuses a path or query string carrying control characters, before any route's own
    dependencies or handler see it: a dependency of every route of the app.

    Path parameters (tenant slugs, case ids) reach SQL like any other text; one check covers
    every route, including those whose parameters are not typed as `Line`. It is a dependency,
    not a middleware, so that a page's route says the refusal as a page in the reader's
    language, as it says its other refusals; an address that no route serves is a 404.
    """
    query = unquote_plus(request.scope.get("query_string", b"").decode("latin-1"), "utf-8")
    if _REQUEST_LINE.search(request.scope["path"]) or _REQUEST_LINE.search(query):
        detail = "the address may not contain NUL or other control characters"
        raise Problem(422, "control-characters", detail)


_REQUEST_LINE = re.compile(f"[{_LINE}]")
