"""The JSON API of intake: member companies, operators, bulk imports (tenants: tenant_api)."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, ValidationError

from redress.events.catalogue.grievance import Channel
from redress.events.errors import ConcurrencyError
from redress.intake.commands import Filed, MemberGrievance, OperatorGrievance
from redress.intake.context import IntakeContext
from redress.intake.filing import file_grievance, tenant_name
from redress.kit import idempotency
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.crypto import DataKeyExists
from redress.kit.deps import Pool, Store, metadata_for, permitted
from redress.kit.errors import Problem
from redress.kit.idempotency import IdempotencyKey
from redress.kit.openapi import answers

router = APIRouter(prefix="/v1", tags=["grievances"])

Member = Annotated[Principal, Depends(permitted(Action.grievance_submit))]
Importer = Annotated[Principal, Depends(permitted(Action.grievance_import))]
Operator = Annotated[Principal, Depends(permitted(Action.grievance_file_for_worker))]
Admin = Annotated[Principal, Depends(permitted(Action.tenant_configure))]
SCHEMA = "intake"

TENANT_ANSWERS = answers(404, 410)


def _member_grievance_id(key: bytes, principal: Principal, member_reference: str) -> str:
    """A member's own reference names one grievance: importing it twice files it once.

    Keyed (HMAC), so that the id, which the log keeps in the clear, does not let anyone
    confirm a guessed reference.
    """
    seed = f"{principal.tenant}\x00{principal.org or principal.sub}\x00{member_reference}"
    digest = hmac.new(key, seed.encode(), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


@router.post(
    "/grievances", status_code=201, response_model=Filed, responses=TENANT_ANSWERS | answers(409)
)
async def submit(
    request: Request,
    body: MemberGrievance,
    principal: Member,
    pool: Pool,
    store: Store,
    intake: IntakeContext,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """File a grievance that reached a member company's own channel.

    `site_id` names one of the member's own sites or a site no member has claimed; a site of
    another member is refused (422): name it in `site_text` instead. With a site, `country`
    may be left out: the site's is taken; one that is not the site's is refused (422
    `site-in-another-country`).

    A `member_reference` names one grievance, as in an import: filed again (a retry sent
    without an `Idempotency-Key`, or a row imported before), it is refused with 409
    `already-filed`, naming in `grievance_id` the grievance filed first.
    """
    gid = (
        _member_grievance_id(intake.reference_key, principal, body.member_reference)
        if body.member_reference
        else None
    )
    # `file_grievance` reads the tenant's stream and refuses an unknown initiative (404) or
    # one that left (410), undoing the claim with the transaction: no read of it before.
    try:
        async with pool.acquire() as conn, conn.transaction():
            first = await idempotency.claim(conn, SCHEMA, principal, idempotency_key, request, body)
            if isinstance(first, idempotency.Replay):
                return first.response()
            filed = await file_grievance(
                conn, store, intake, metadata_for(principal), body, Channel.member_api,
                grievance_id=gid, member_org=principal.org,
                member_reference=body.member_reference, with_secret=False,
            )  # fmt: skip
            if first:
                await first.remember(conn, filed, 201)
    except (ConcurrencyError, DataKeyExists):
        if gid is None:  # pragma: no cover - a new id clashes with nothing
            raise
        raise Problem(
            409, "already-filed",
            f"a grievance was filed under this member_reference already: grievance {gid}; "
            "find its case with GET /v1/cases?grievance_id=",
            grievance_id=gid,
        ) from None  # fmt: skip
    return filed


@router.post(
    "/operator/grievances", status_code=201, response_model=Filed, responses=TENANT_ANSWERS
)
async def file_for_worker(
    request: Request,
    body: OperatorGrievance,
    principal: Operator,
    pool: Pool,
    store: Store,
    intake: IntakeContext,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """A hotline or SMS operator files on a worker's behalf; read the receipt out to them.

    Send an `Idempotency-Key` to retry safely: the first answer, receipt included, is given
    again, and the worker's grievance is filed once.
    """
    async with pool.acquire() as conn, conn.transaction():  # the tenant read as above
        first = await idempotency.claim(conn, SCHEMA, principal, idempotency_key, request, body)
        if isinstance(first, idempotency.Replay):
            return first.response()
        filed = await file_grievance(
            conn, store, intake, metadata_for(principal), body, Channel(body.channel)
        )
        if first:
            await first.remember(conn, filed, 201)
    return filed


class ImportRow(BaseModel):
    row: int
    accepted: bool
    grievance_id: str | None = Field(
        None,
        description="the grievance filed; for a row refused as already imported "
        "(its `member_reference` again), the grievance that import filed: find its case "
        "with `GET /v1/cases?grievance_id=`",
    )
    reference: str | None = None
    errors: list[str] = Field(default_factory=list)


class ImportReport(BaseModel):
    accepted: int
    refused: int
    rows: list[ImportRow]


@router.post(
    "/grievances/import",
    response_model=ImportReport,
    responses=TENANT_ANSWERS,
    openapi_extra={"requestBody": {"content": {
        "application/x-ndjson": {"schema": {"type": "string"}},
        "text/csv": {"schema": {"type": "string"}},
    }, "required": True}},
)  # fmt: skip
async def bulk_import(
    request: Request,
    principal: Importer,
    pool: Pool,
    store: Store,
    intake: IntakeContext,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Import JSON Lines or CSV; each row is filed or refused on its own, with the reason.

    A row with a `member_reference` already imported is refused as a duplicate, naming the
    grievance that reference filed (`grievance_id`).
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind != "text/csv" and kind not in _JSON_LINES:
        raise Problem(415, "media-type", "send application/x-ndjson or text/csv")
    text = _text_of(await request.body())
    if kind == "text/csv":
        records = _csv_records(text)
    else:
        records = [_json_line(line) for line in text.splitlines() if line.strip()]
    if len(records) > 1000:
        raise Problem(413, "too-many-rows", "at most 1000 rows per import")
    raw = kind.encode() + b"\n" + text.encode()
    async with pool.acquire() as conn, conn.transaction():
        await tenant_name(conn, principal.tenant)
        first = await idempotency.claim(conn, SCHEMA, principal, idempotency_key, request, raw)
        if isinstance(first, idempotency.Replay):
            return first.response()
        # Each row in a savepoint of its own: a refused row does not undo the others.
        rows = [await _import_one(conn, store, intake, principal, i, r)
                for i, r in enumerate(records, 1)]  # fmt: skip
        accepted = sum(r.accepted for r in rows)
        report = ImportReport(accepted=accepted, refused=len(rows) - accepted, rows=rows)
        if first:
            await first.remember(conn, report, 200)
    return report


async def _import_one(
    conn: Any, store: Store, intake: IntakeContext, principal: Principal, row: int, record: Any
) -> ImportRow:
    try:
        if isinstance(record, Exception):
            raise record
        body = MemberGrievance.model_validate(record)
        gid = (
            _member_grievance_id(intake.reference_key, principal, body.member_reference)
            if body.member_reference
            else None
        )
        async with conn.transaction():
            filed = await file_grievance(
                conn, store, intake, metadata_for(principal), body, Channel.member_api,
                grievance_id=gid, member_org=principal.org,
                member_reference=body.member_reference, with_secret=False,
            )  # fmt: skip
    except ValidationError as exc:
        errors = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        return ImportRow(row=row, accepted=False, errors=errors)
    except (ConcurrencyError, DataKeyExists):
        # The id is the one this member's reference names (keyed on its own organisation):
        # its own filing, which it may follow.
        said = f"already imported (member_reference): grievance {gid}"
        return ImportRow(row=row, accepted=False, grievance_id=gid, errors=[said])
    except Problem as exc:
        return ImportRow(row=row, accepted=False, errors=[exc.detail])
    except ValueError as exc:
        return ImportRow(row=row, accepted=False, errors=[str(exc)])
    return ImportRow(row=row, accepted=True, grievance_id=filed.grievance_id,
                     reference=filed.reference)  # fmt: skip


_JSON_LINES = ("application/x-ndjson", "application/jsonl", "application/json-lines")


def _text_of(body: bytes) -> str:
    """The file as text. One in another encoding is refused whole: read as UTF-8 with its
    letters replaced, its narratives would be sealed and recorded with U+FFFD in them."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = len(re.findall(rb"\r\n|\r|\n", body[: exc.start])) + 1
        detail = (
            f"the file is not UTF-8 (byte 0x{body[exc.start]:02x} on line {line}): save it as "
            'UTF-8 (in a spreadsheet, "CSV UTF-8") and send it again; nothing was imported'
        )
        raise Problem(422, "not-utf-8", detail) from None


def _json_line(line: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        return ValueError(f"not JSON: {exc.msg}")


def _csv_records(text: str) -> list[Any]:
    # newline="" lets the reader take CRLF, LF and a bare CR alike as the end of a row,
    # and keep line breaks inside quoted fields.
    records: list[Any] = []
    try:
        for record in csv.DictReader(io.StringIO(text, newline="")):
            records.append(_from_csv(record))
    except csv.Error as exc:
        detail = f"the CSV cannot be read at row {len(records) + 1}: {exc}; nothing was imported"
        raise Problem(422, "bad-csv", detail) from None
    return records


def _from_csv(record: dict[str, str | None]) -> dict[str, Any]:
    """A CSV row: the JSON fields flat, `contact_*` and `consent_*` columns nested."""
    out: dict[str, Any] = {}
    contact: dict[str, str] = {}
    consent: dict[str, bool] = {}
    for column, value in record.items():
        if column is None or value is None or value == "":
            continue
        if column.startswith("contact_"):
            contact[column.removeprefix("contact_")] = value
        elif column.startswith("consent_"):
            consent[column.removeprefix("consent_")] = value.lower() in ("1", "true", "yes")
        else:
            out[column] = value
    if contact:
        out["contact"] = contact
    if consent:
        out["consent"] = consent
    return out
