"""Whole numbers in request bodies, read as JSON Schema reads `"type": "integer"`.

Pydantic's lax mode takes `true` and `"7"` for an int, which the published schema calls
invalid; its strict mode refuses `7.0`, which JSON Schema calls an integer. This type takes
exactly what the schema says.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator


def _json_integer(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("must be a whole number")
    return int(value)


# Put bounds before it, so that the schema keeps them: Annotated[int, Field(ge=1), JSON_INTEGER].
JSON_INTEGER = BeforeValidator(_json_integer)
WholeNumber = Annotated[int, JSON_INTEGER]
