"""A console's forms: each accepted once, its fields read as text, and what was wrong with it
said in words a member of staff can act on."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable, Mapping

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import FormData

from redress.kit.console.words import human
from redress.kit.errors import Problem

ALREADY_SENT = "this form was already sent; open the page again to see what it changed"
# A page's forms are accepted once (`Console.form`); the record outlives the page's token.
_SENT = """
WITH forgotten AS (DELETE FROM consoles.sent_forms WHERE sent_at < now() - interval '8 days')
INSERT INTO consoles.sent_forms (nonce) VALUES ($1) ON CONFLICT DO NOTHING RETURNING true
"""


async def sent_once(request: Request, nonce: str) -> None:
    """Record that the page of `nonce` sent the form of this address; 409 if it had already.

    Each form of a page (each its own address) is accepted once: a page of many forms (an
    assessment's hundred criteria) stays usable after one was sent, through the Back button
    or a second tab, while a double click or a resent form still changes nothing twice. The
    record is a hash of the two: it says neither the page's token nor which case or
    assessment was acted on.

    Recorded before the change, in a transaction of its own; a form that changed nothing
    (refused, or failed on the server's side) is forgotten by the console's route
    (`not_sent`), so that it can be sent again.
    """
    sent = hashlib.sha256(f"{nonce} {request.url.path}".encode()).hexdigest()
    if not await taken_first(request, sent):
        raise Problem(409, "form-already-sent", ALREADY_SENT)
    request.state.console_form = sent


async def taken_first(request: Request, digest: str) -> bool:
    """Record `digest` as taken; whether this was its first time (a form sent, a sign-in's
    return from the provider)."""
    async with request.app.state.runtime.pool.acquire() as conn:
        return bool(await conn.fetchval(_SENT, digest))


async def not_sent(request: Request) -> None:
    """Forget a form recorded as sent that changed nothing."""
    sent = getattr(request.state, "console_form", None)
    if sent is None:
        return
    with contextlib.suppress(Exception):  # the failure itself is what the page reports
        async with request.app.state.runtime.pool.acquire() as conn:
            await conn.execute("DELETE FROM consoles.sent_forms WHERE nonce = $1", sent)


def field(form: FormData, name: str) -> str | None:
    """A form field as stripped text; None when absent, empty or not text."""
    value = form.get(name)
    if not isinstance(value, str):
        return None
    return value.strip() or None


def values(form: FormData, name: str) -> list[str]:
    """Every value of a repeated field (ticked boxes), stripped, empty ones left out."""
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def number(form: FormData, name: str) -> int | str | None:
    """A form field holding a whole number, as a number (the body models take JSON's types)."""
    value = field(form, name)
    return int(value) if value is not None and value.isascii() and value.isdigit() else value


def describe(exc: ValidationError) -> str:
    """What was wrong with a form, in a line an officer can act on."""
    parts = []
    for e in exc.errors()[:5]:
        where = ".".join(str(x) for x in e.get("loc", ()))
        said = _PLAINLY.get(e.get("type", ""), e.get("msg", ""))
        parts.append(f"{human(where)}: {said}" if where else said)
    return "; ".join(parts)


def fields_of(
    exc: ValidationError, known: Iterable[str], labels: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Each known field the model refused, with the first reason given for it, named by its
    label on the form where `labels` has it: what the console's forms mark beside the field
    (`_form.html`) and list above the form."""
    names, found = set(known), {}
    for e in exc.errors():
        name = next((str(part) for part in e.get("loc", ()) if str(part) in names), None)
        if name is not None and name not in found:
            # pydantic prefixes a validator's own words with "Value error, ": not the officer's.
            reason = str(e.get("msg", "not valid")).removeprefix("Value error, ")
            said = (labels or {}).get(name) or human(name)
            found[name] = f"{said}: {_PLAINLY.get(e.get('type', ''), reason)}"
    return found


# Pydantic's words where they would tell an officer about lists and patterns, not the form.
_PLAINLY = {
    "too_short": "choose or write at least one",
    "string_pattern_mismatch": "not in the form this field takes",
    "missing": "left empty: it is needed",
}
