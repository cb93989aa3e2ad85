"""A refused console form, said field by field: the page shows it again with each wrong
field marked (`aria-invalid`, its message beside it and in a summary at the top, by the
macros of `_form.html`), and what was typed in it.

A service's console catches `FORM_ERRORS` around a form's handler and renders its page again
with `Failure.context()`; a 403 or 404 is no form's fault and stays a page of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from redress.events.application import Refused
from redress.events.errors import ConcurrencyError
from redress.kit.console import fields_of
from redress.kit.errors import Problem


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


def failure(
    form: str, exc: Exception, posted: FormData, known: Iterable[str], ticked: str | None = None
) -> Failure:
    """The refusal of `form` as the page says it, with the values of its boxes named
    `ticked`; re-raised when it is no form's fault (another tenant's issue, a forbidden
    role): the console answers those as pages."""
    typed = {k: v for k, v in posted.items() if isinstance(v, str) and k != "csrf"}
    ticks = {v for v in posted.getlist(ticked) if isinstance(v, str)} if ticked else set()
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
