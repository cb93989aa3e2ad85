"""What is wrong with a form's fields, said plainly: the field's name as the page shows it and
what is wrong with it ("Evidence is longer than 4,000 characters", "Choose an answer"),
never pydantic's English ("Value should have at most 4000 items after validation").

Input the page's own controls cannot send (a crafted answer, a text past its `maxlength`)
is refused in these words too: whoever reads them has a page, not a schema, in front of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import ValidationError

from redress.events.catalogue.assessment import AnswerValue
from redress.kit.console import human

# The fields' names as the page's labels say them; an evidence item's parts by their own.
LABELS = {
    "answer": "The answer", "reason": "The reason", "evidence": "Evidence", "text": "Evidence",
    "url": "The link to the evidence", "comment": "The comment", "owner": "The owner",
    "due_on": "The due date", "description": "What will be done", "note": "The note",
}  # fmt: skip
_VALUES = [human(v.value).lower() for v in AnswerValue]
ANSWERS = f"{', '.join(_VALUES[:-1])} or {_VALUES[-1]}"


def fields(
    exc: ValidationError, known: Iterable[str], key: Callable[[str], str] = str
) -> dict[str, str]:
    """Each known field refused, under `key(field)`, with the first thing wrong with it."""
    names, found = set(known), dict[str, str]()
    for error in exc.errors():
        where = [str(part) for part in error.get("loc", ())]
        name = next((part for part in where if part in names), None)
        if name is None or key(name) in found:
            continue
        part = next((p for p in reversed(where) if p in LABELS), name)  # an item's text or link
        found[key(name)] = said(str(error.get("type", "")), part, error.get("ctx") or {})
    return found


def said(kind: str, name: str, ctx: dict[str, Any]) -> str:
    """One thing wrong with the field `name`, from pydantic's error type and context."""
    label = LABELS.get(name) or human(name)
    match kind:
        case "missing" if name == "answer":
            return "Choose an answer"
        case "missing":
            return f"{label} is needed"
        case "enum" | "literal_error" if name == "answer":
            return f"Choose one of the answers: {ANSWERS}"
        case "too_long" | "string_too_long" if name == "evidence":
            return f"An answer takes at most {ctx.get('max_length')} items of evidence"
        case "too_long" | "string_too_long":
            return f"{label} is longer than {int(ctx.get('max_length', 0)):,} characters"
        case "string_pattern_mismatch" if name == "url":
            return f"{label} is not a web address: it has no spaces, and starts with https://"
        case "value_error":
            return _in_words(label, str(ctx.get("error", "")))
    return f"{label} is not valid"


def _in_words(label: str, words: str) -> str:
    # The validators' own words are plain already; the text checks' are a programmer's.
    if "control characters" in words:
        return f"{label} holds characters that are not text (control characters)"
    if "may not be blank" in words:
        return f"{label} is empty"
    return f"{label}: {words}" if words else f"{label} is not valid"
