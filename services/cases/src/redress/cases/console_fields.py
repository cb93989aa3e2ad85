"""A refused form, said field by field: the page shows it again with each wrong field marked
(`aria-invalid`, its message beside it and in a summary at the top), and what was typed.

Used by the console's pages of suppliers and systemic issues and by the member console;
their templates mark the fields with the macros of the kit's `_form.html`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import ValidationError
from starlette.datastructures import FormData

from redress.events.application import Refused
from redress.events.errors import ConcurrencyError
from redress.kit.console import fields_of
from redress.kit.errors import Problem

T = TypeVar("T")


class FieldError(Exception):
    """Fields of a form are wrong in a way the body's model cannot tell (a case id that
    names no case, an owner a member may not give an action), or in several ways at once."""

    def __init__(self, name: str, detail: str, status: int = 422) -> None:
        super().__init__(detail)
        self.fields, self.detail, self.status = {name: detail}, detail, status

    @classmethod
    def several(cls, fields: dict[str, str]) -> FieldError:
        error = cls(*next(iter(fields.items())))
        error.fields, error.detail = dict(fields), "; ".join(fields.values())
        return error


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


@dataclass
class Failure:
    """Why a form was refused, and what to show again."""

    failed: str
    error: str
    status: int
    fields: dict[str, str] = field(default_factory=dict)
    typed: dict[str, str] = field(default_factory=dict)
    ticks: set[str] = field(default_factory=set)

    def context(self) -> dict[str, Any]:
        return {"failed": self.failed, "error": self.error, "fields": self.fields,
                "typed": self.typed, "ticks": self.ticks}  # fmt: skip


# What a form's handler may raise that the page says beside the form (or, for a 403 or 404,
# as a page of its own: `failure` raises those again).
FORM_ERRORS = (ValidationError, FieldError, Refused, Problem, ConcurrencyError)
NO_FAILURE: dict[str, Any] = {"failed": None, "error": None, "fields": {}, "typed": {},
                              "ticks": set()}  # fmt: skip


def failure(form: str, exc: Exception, posted: FormData, known: Iterable[str]) -> Failure:
    """The refusal of `form` as the page says it; re-raised when it is no form's fault
    (another tenant's issue, a forbidden role): the console answers those as pages."""
    typed = {k: v for k, v in posted.items() if isinstance(v, str) and k != "csrf"}
    ticks = {v for v in posted.getlist("case_ids") if isinstance(v, str)}
    known = list(known)
    match exc:
        case ValidationError():
            fields = fields_of(exc, known)
            detail = "; ".join(fields.values()) or "the form is not valid"
            return Failure(form, detail, 422, fields, typed, ticks)
        case FieldError():
            return Failure(form, exc.detail, exc.status, exc.fields, typed, ticks)
        case Refused():
            return Failure(form, exc.detail, exc.status, {}, typed, ticks)
        case Problem() if exc.status in (409, 422):
            return Failure(form, exc.detail, exc.status, {}, typed, ticks)
        case ConcurrencyError():
            detail = "someone changed this at the same time; try again"
            return Failure(form, detail, 409, {}, typed, ticks)
    raise exc
