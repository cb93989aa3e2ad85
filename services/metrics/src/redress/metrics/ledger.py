"""The rows the figures are computed from, as plain values, and how they are read.

`read` takes a tenant's rows from the metrics schema (the projections `facts` and
`callbacks` wrote them from events); `redress.metrics.figures` computes on them without
I/O, so that the same rows always give the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from redress.events.store import Conn


@dataclass(frozen=True)
class Grievance:
    id: str
    received_at: datetime
    channel: str
    country: str | None
    language: str
    category: str
    site: str | None
    sector: str | None
    tier: int | None
    audit: str | None
    members: tuple[str, ...]


@dataclass(frozen=True)
class Fact:
    grievance: str
    position: int
    seq: int
    at: datetime
    kind: str
    code: str | None
    due: date | None


@dataclass(frozen=True)
class Audit:
    id: str
    site: str
    country: str
    audit_date: date
    workers: int


@dataclass(frozen=True)
class Callback:
    id: str
    audit: str
    due_on: date


@dataclass(frozen=True)
class Call:
    callback: str
    audit: str
    at: datetime
    reached: bool
    retaliation: bool
    grievance: str | None


@dataclass(frozen=True)
class Consequence:
    """A consequence decided for a supplier (a site), with the site's country."""

    site: str
    country: str | None
    consequence: str
    decided_on: date


@dataclass(frozen=True)
class Action:
    """An action of a grievance's remediation plan: its owner's kind, due date, when done;
    the organisation owning it, and the case's member company now (`redress.metrics.actions`)."""

    id: str
    grievance: str
    remedy: str
    owner: str
    due_on: date
    done_at: datetime | None
    owner_org: str | None = None
    member_org: str | None = None


@dataclass(frozen=True)
class Ledger:
    tenant: str
    time_zone: str
    grievances: tuple[Grievance, ...]
    facts: tuple[Fact, ...]
    audits: tuple[Audit, ...] = ()
    callbacks: tuple[Callback, ...] = ()
    calls: tuple[Call, ...] = ()
    actions: tuple[Action, ...] = ()
    consequences: tuple[Consequence, ...] = ()


_ACTION_COLUMNS = ("action", "grievance", "remedy", "owner", "due_on", "done_at", "owner_org",
                   "member_org")  # fmt: skip


async def read(conn: Conn, tenant: str) -> Ledger:
    """A tenant's rows, read in one snapshot (call inside a REPEATABLE READ transaction for a
    consistent view across tables)."""
    zone = await conn.fetchval("SELECT time_zone FROM metrics.tenants WHERE tenant = $1", tenant)
    members: dict[str, list[str]] = {}
    for r in await conn.fetch(
        "SELECT grievance, member_org FROM metrics.grievance_members WHERE tenant = $1 "
        "ORDER BY grievance, member_org",
        tenant,
    ):
        members.setdefault(r["grievance"], []).append(r["member_org"])
    rows = await conn.fetch(
        "SELECT * FROM metrics.grievances WHERE tenant = $1 ORDER BY grievance", tenant
    )
    grievances = tuple(
        Grievance(
            r["grievance"],
            r["received_at"],
            r["channel"],
            r["country"],
            r["language"],
            r["category"],
            r["site"],
            r["sector"],
            r["tier"],
            r["audit"],
            tuple(members.get(r["grievance"], ())),
        )
        for r in rows
    )
    facts = tuple(
        Fact(r["grievance"], r["position"], r["seq"], r["at"], r["kind"], r["code"], r["due"])
        for r in await conn.fetch(
            "SELECT * FROM metrics.facts WHERE tenant = $1 ORDER BY position, seq", tenant
        )
    )
    audits = tuple(
        Audit(r["audit"], r["site"], r["country"], r["audit_date"], r["workers"])
        for r in await conn.fetch("SELECT * FROM metrics.audits WHERE tenant = $1", tenant)
    )
    callbacks = tuple(
        Callback(r["callback"], r["audit"], r["due_on"])
        for r in await conn.fetch("SELECT * FROM metrics.callbacks WHERE tenant = $1", tenant)
    )
    calls = tuple(
        Call(r["callback"], r["audit"], r["at"], r["reached"], r["retaliation"], r["grievance"])
        for r in await conn.fetch("SELECT * FROM metrics.calls WHERE tenant = $1", tenant)
    )
    actions = tuple(
        Action(*(r[column] for column in _ACTION_COLUMNS))
        for r in await conn.fetch(
            "SELECT a.*, c.grievance, m.member_org FROM metrics.actions a "
            "JOIN metrics.cases c USING (case_id) "
            "LEFT JOIN metrics.case_members m ON m.case_id = a.case_id "
            "WHERE a.tenant = $1 ORDER BY a.action",
            tenant,
        )
    )
    consequences = tuple(
        Consequence(r["site"], r["country"], r["consequence"], r["decided_on"])
        for r in await conn.fetch(
            "SELECT c.site, s.country, c.consequence, c.decided_on FROM metrics.consequences c "
            "LEFT JOIN metrics.sites s ON s.tenant = c.tenant AND s.site = c.site "
            "WHERE c.tenant = $1 ORDER BY c.position",
            tenant,
        )
    )
    return Ledger(tenant, zone or "UTC", grievances, facts, audits, callbacks, calls, actions,
                  consequences)  # fmt: skip
