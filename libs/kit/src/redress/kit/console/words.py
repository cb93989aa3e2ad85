"""The log's words as a member of staff reads them: codes in words, moments in the
initiative's zone, short ids, who acted, and where another service's pages are."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from jinja2 import pass_context
from jinja2.runtime import Context

# Codes whose words are not their letters: an acronym, a compound.
_SAID = {"ngo": "NGO", "sms": "SMS", "co workers": "co-workers"}


def human(value: Any) -> str:
    """`remediation_plan` -> `Remediation plan`; `CaseTriaged` -> `Case triaged`; `ngo` ->
    `NGO`."""
    text = str(value)
    if re.fullmatch(r"[A-Z][a-z]+(?:[A-Z][a-z]+)+", text):
        text = re.sub(r"(?<!^)([A-Z])", r" \1", text).lower()
    text = text.replace("_", " ")
    for code, words in _SAID.items():
        text = re.sub(rf"\b{code}\b", words, text)
    return text[:1].upper() + text[1:]


def when(value: Any, zone: str | None = None) -> str:
    """A moment to the minute (also as JSON carries it), in UTC or in `zone` (a tenant's time
    zone), named; a date as it is. Any other text as it is."""
    if isinstance(value, str) and "T" in value:
        with contextlib.suppress(ValueError):
            value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)  # the log's are UTC
        local = moment.astimezone(ZoneInfo(zone) if zone else UTC)
        return f"{local:%Y-%m-%d %H:%M} {zone or 'UTC'}"
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


@pass_context
def _when_in_zone(context: Context, value: Any, zone: str | None = None) -> str:
    """`when` for templates: in the page's `zone` (the tenant's time zone, where the page has
    it) unless one is named, so that every moment of a page is said in one zone."""
    return when(value, zone or context.get("zone"))


def short(stream_id: str) -> str:
    """`case-0f3c...` -> `0f3c1a2b`: the first eight of the id, without its type."""
    return re.sub(r"^[a-z]+-", "", stream_id)[:8]


def who(e: Mapping[str, Any]) -> str:
    """Who acted: the principal's id and role; the worker and the platform by name."""
    if e["actor"] == "worker":
        return "the worker"
    if e["actor"] == "system":
        return "the platform"
    return f"{e['actor_id']} ({e['actor']})" if e.get("actor_id") else str(e["actor"])


def peer_url(request: Request, name: str) -> str | None:
    """Where the browser reaches another service's pages, to link to them by URL (a
    service never imports another): `REDRESS_PEER_URLS`, or in dev mode the port `make run`
    gives it on this host; None when not known, and then no link is shown."""
    from redress.kit.registry import PORTS  # the registry loads the services' specs

    settings = request.app.state.runtime.settings
    if name in settings.peer_urls:
        return str(settings.peer_urls[name])
    if settings.dev and name in PORTS and request.url.hostname:
        return f"{request.url.scheme}://{request.url.hostname}:{PORTS[name]}"
    return None
