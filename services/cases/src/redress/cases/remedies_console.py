"""The console's forms for the remedy delivered: record a remedy, waive a plan action.
Each runs the API's own handler (`remedies_api`), as every console form does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData

from redress.cases import commands as c
from redress.cases.console_forms import form
from redress.cases.context import Desk
from redress.cases.remedies_api import RemedyBody, WaiverBody, record_remedy, waive_action
from redress.kit import console
from redress.kit.auth import Principal


def _dates(f: FormData, name: str) -> list[str]:
    """Reinstatement dates, one per line or separated by commas."""
    raw = console.field(f, name) or ""
    return [d for d in raw.replace(",", " ").split() if d]


@form("/remedies", "remedy")
async def remedy(desk: Desk, p: Principal, case_id: str, f: FormData, _: Any) -> c.Written:
    values = {
        "remedy": console.field(f, "remedy"),
        "action_id": console.field(f, "action_id"),
        "amount": console.field(f, "amount"),
        "currency": (console.field(f, "currency") or "").upper() or None,
        "workers_covered": console.number(f, "workers_covered"),
        "reinstated_on": _dates(f, "reinstated_on"),
        "description": console.field(f, "description"),
        "delivered_on": console.field(f, "delivered_on"),
    }
    body = RemedyBody.model_validate({k: v for k, v in values.items() if v not in (None, "")})
    return await record_remedy(desk, p, case_id, body)


@form("/actions/{action_id}/waive", "waive")
async def waive(
    desk: Desk, p: Principal, case_id: str, f: FormData, path: Mapping[str, str]
) -> c.Written:
    body = WaiverBody.model_validate({"reason": console.field(f, "reason") or ""})
    return await waive_action(desk, p, case_id, path["action_id"], body)
