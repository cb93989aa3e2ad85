"""What can be done about suppliers and systemic issues, transport-free (API and console)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from redress.cases import supply_chain as sc
from redress.cases.context import Desk
from redress.cases.domain import Owner
from redress.cases.handlers import SCHEMA, case_events
from redress.events.application import execute
from redress.events.catalogue.supply_chain import (
    CasesLinked,
    Consequence,
    SupplierConsequenceDecided,
    SystemicActionAdded,
    SystemicIssueOpened,
)
from redress.events.envelope import Event, EventData
from redress.events.ids import derived_stream, new_id, new_stream
from redress.kit.auth import Principal
from redress.kit.deps import metadata_for
from redress.kit.errors import Problem
from redress.kit.idempotency import Once, Retry

NO_ISSUE = "there is no such systemic issue"


class Recorded(BaseModel):
    """Where the write went: the stream and its version after it."""

    stream: str
    version: int


class IssueActionAdded(Recorded):
    """The action added to the issue's plan, named so that the caller can refer to it."""

    action_id: str = Field(description="the new action's id, as the issue's plan shows it")


def supplier_stream(tenant: str, site_id: str) -> str:
    """One stream per supplier (site) of a tenant, its id fixed by them."""
    return derived_stream("supplier", f"{tenant}/{site_id}")


async def reachable(desk: Desk, p: Principal, case_ids: Sequence[str]) -> tuple[str, ...]:
    """The cases named, each of them reachable by the principal (404 naming the first that
    is not), once each, in the order given."""
    found = tuple(dict.fromkeys(case_ids))
    for case_id in found:
        try:
            await case_events(desk.store, p, case_id)
        except Problem:
            raise Problem(404, "not-found", f"there is no case {case_id}") from None
    return found


async def _write(
    desk: Desk, p: Principal, stream: str, decide: sc.Decide, retry: Retry | None,
    answer: Callable[[int], Recorded] | None = None,
) -> Recorded:  # fmt: skip
    def decided(history: list[Event]) -> Sequence[EventData]:
        if history and history[0].tenant != p.tenant:
            raise Problem(404, "not-found", NO_ISSUE)
        return decide([e.data for e in history])

    answered = answer or (lambda version: Recorded(stream=stream, version=version))
    once = Once.of(retry, SCHEMA, p, lambda done: answered(done.version))
    done = await execute(desk.store, stream, decided, metadata_for(p), transaction=once)
    if done.earlier is not None:
        kind = IssueActionAdded if "action_id" in done.earlier else Recorded
        return kind.model_validate(done.earlier)
    return answered(done.version)


async def decide_consequence(
    desk: Desk,
    p: Principal,
    site_id: str,
    consequence: Consequence,
    reasons: str,
    case_ids: Sequence[str],
    steps: Sequence[str],
    retry: Retry | None = None,
) -> Recorded:
    command = sc.DecideConsequence(
        site_id, consequence, reasons, await reachable(desk, p, case_ids), tuple(steps),
        await desk.today(p.tenant),
    )  # fmt: skip
    return await _write(
        desk, p, supplier_stream(p.tenant, site_id),
        lambda events: sc.decide_consequence(command, events), retry,
    )  # fmt: skip


async def open_issue(
    desk: Desk,
    p: Principal,
    title: str,
    site_id: str | None,
    category: str | None,
    case_ids: Sequence[str],
    retry: Retry | None = None,
) -> Recorded:
    stream = new_stream("systemic")
    command = sc.OpenIssue(stream, title, site_id, category, await reachable(desk, p, case_ids))
    return await _write(
        desk, p, stream, lambda events: sc.decide_issue(command, sc.fold_issue(events)), retry
    )


async def on_issue(
    desk: Desk, p: Principal, issue_id: str, command: sc.LinkCases | sc.AddIssueAction,
    retry: Retry | None = None,
) -> Recorded:  # fmt: skip
    if not issue_id.startswith("systemic-"):
        raise Problem(404, "not-found", NO_ISSUE)
    return await _write(
        desk, p, issue_id, lambda events: sc.decide_issue(command, sc.fold_issue(events)), retry
    )


async def link_cases(
    desk: Desk, p: Principal, issue_id: str, case_ids: Sequence[str], retry: Retry | None = None
) -> Recorded:
    command = sc.LinkCases(await reachable(desk, p, case_ids))
    return await on_issue(desk, p, issue_id, command, retry)


async def add_issue_action(
    desk: Desk, p: Principal, issue_id: str, description: str, owner: Owner,
    due_on: date | None, retry: Retry | None = None,
) -> IssueActionAdded:  # fmt: skip
    """Add the action; the answer names it (a retry's too: the log says which it was)."""
    command = sc.AddIssueAction(str(new_id()), description, owner, due_on)
    if not issue_id.startswith("systemic-"):
        raise Problem(404, "not-found", NO_ISSUE)
    written = await _write(
        desk, p, issue_id, lambda events: sc.decide_issue(command, sc.fold_issue(events)),
        retry, lambda version: IssueActionAdded(
            stream=issue_id, version=version, action_id=command.action_id
        ),
    )  # fmt: skip
    if isinstance(written, IssueActionAdded):
        return written
    # A retry's first answer, kept before answers named the action: the log says which.
    at = [e.data for e in await desk.store.read_stream(issue_id) if e.version == written.version]
    added = next(e for e in at if isinstance(e, SystemicActionAdded))
    return IssueActionAdded(stream=issue_id, version=written.version, action_id=added.action_id)


# What the log says of an issue or a supplier: read by the API and the console alike, fresh
# after a write (the lists read the projection, `supply_chain_views`).


async def issue_of(desk: Desk, p: Principal, issue_id: str) -> dict[str, Any]:
    """The issue, its cases (in the order linked) and its plan; 404 outside the tenant."""
    events = await desk.store.read_stream(issue_id) if issue_id.startswith("systemic-") else []
    if not events or events[0].tenant != p.tenant:
        raise Problem(404, "not-found", NO_ISSUE)
    found: dict[str, Any] = {"cases": [], "actions": []}
    for event in events:
        match event.data:
            case SystemicIssueOpened() as o:
                found |= o.model_dump(mode="json")
            case CasesLinked() as linked:
                found["cases"] += list(linked.case_ids)
            case SystemicActionAdded() as a:
                found["actions"].append(a.model_dump(mode="json", exclude={"issue_id"}))
    return found


async def consequences_of(
    desk: Desk, p: Principal, site_id: str
) -> list[SupplierConsequenceDecided]:
    """The supplier's consequences in the order decided (none: an empty list)."""
    events = await desk.store.read_stream(supplier_stream(p.tenant, site_id))
    return [e.data for e in events if isinstance(e.data, SupplierConsequenceDecided)]
