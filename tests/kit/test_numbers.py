"""Whole numbers are read as JSON Schema's `integer`: 7 and 7.0, never `true`, "7" or 7.5."""

import pytest
from pydantic import BaseModel, ValidationError

from redress.kit.numbers import WholeNumber


class Days(BaseModel):
    days: WholeNumber


@pytest.mark.parametrize("value", [7, 7.0, 0, -3])
def test_whole_numbers_are_taken(value):
    assert Days.model_validate({"days": value}).days == int(value)


@pytest.mark.parametrize("value", [True, False, "7", 7.5, None, [7]])
def test_anything_else_is_refused(value):
    with pytest.raises(ValidationError):
        Days.model_validate({"days": value})


def test_the_schema_says_integer():
    assert Days.model_json_schema()["properties"]["days"]["type"] == "integer"


def test_bounds_before_it_stay_in_the_schema():
    from typing import Annotated

    from pydantic import Field

    from redress.kit.numbers import JSON_INTEGER

    class Score(BaseModel):
        score: Annotated[int, Field(ge=1, le=5), JSON_INTEGER] | None = None

    (branch, _) = Score.model_json_schema()["properties"]["score"]["anyOf"]
    assert branch == {"type": "integer", "minimum": 1, "maximum": 5}
    with pytest.raises(ValidationError):
        Score(score=6)
