"""A form of the cases consoles read into its body, every wrong field at once: those found
wrong before the body's model (a case id that names no case) and those it refuses. The
refusal is the kit's (`redress.kit.console.refusals`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from pydantic import ValidationError

from redress.kit.console import fields_of
from redress.kit.console.refusals import FieldError

T = TypeVar("T")


def parsed(parse: Callable[[], T], wrong: dict[str, str], known: Iterable[str]) -> T:
    """The body `parse` makes of a form, or every wrong field at once: those found wrong
    before (`wrong`) and those its model refuses."""
    try:
        body = parse()
    except ValidationError as exc:
        found = fields_of(exc, known)
        if "other_cases" in wrong or "issue_id" in wrong:
            found.pop("case_ids", None)  # no case left: said where they were named
        if not (wrong or found):
            raise
        raise FieldError.several(wrong | found) from None
    if wrong:
        raise FieldError.several(wrong)
    return body
