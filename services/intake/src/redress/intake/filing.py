"""Filing a grievance from any channel: seal, receipt, decide, append, in one transaction."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import filetype

from redress.events.catalogue.grievance import Channel
from redress.events.envelope import EventData, Metadata
from redress.events.ids import new_id
from redress.events.store import Conn, EventStore
from redress.intake.commands import Filed, GrievanceInput
from redress.intake.context import Intake
from redress.intake.domain import AttachFile, Grievance, SubmitGrievance, decide, evolve
from redress.intake.lookup_keys import number_keys
from redress.intake.media import without_metadata
from redress.intake.phones import phone_number
from redress.intake.receipts import Proof, digest, new_receipt, receipt_without_secret
from redress.kit import sealed_files
from redress.kit.crypto import grievance_key_id
from redress.kit.errors import Problem
from redress.tenancy.handlers import load, read_tenant
from redress.tenancy.tenant import TenantRefused, may_file

MAX_FILE_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES = {
    "image/jpeg", "image/png", "image/webp", "image/heic", "image/gif",
    "audio/ogg", "audio/mpeg", "audio/mp4", "audio/x-m4a", "audio/amr", "audio/x-wav",
    "audio/webm", "video/mp4", "application/pdf",
}  # fmt: skip


@dataclass(frozen=True)
class Upload:
    data: bytes


def grievance_stream(grievance_id: str) -> str:
    return f"grievance-{grievance_id}"


def check_upload(upload: Upload) -> str:
    """The content type, read from the bytes themselves; refused unless it is allowed."""
    if len(upload.data) > MAX_FILE_BYTES:
        raise Problem(413, "file-too-large", "a file may be at most 10 MB")
    kind = filetype.guess(upload.data)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise Problem(415, "file-type", "files may be photos, voice notes or PDF documents")
    return str(kind.mime)


async def may_file_here(
    conn: Conn,
    store: EventStore,
    tenant: str,
    site_id: str | None,
    filer: Channel,
    member_org: str | None,
    country: str | None = None,
) -> str | None:
    """The tenant takes filings and the site is one of its, in the country given; a member
    company files only about sites it shares in (or that no member has claimed). Returns the
    grievance's country: the one given, or the site's when none was.

    Decided on the tenant's own stream, not on a read model that a rebuild empties.
    """
    state, _ = await load(store, tenant, conn)
    try:
        return may_file(
            state, site_id, member_org if filer is Channel.member_api else None, country
        )
    except TenantRefused as exc:
        # As a Problem: the worker's pages answer it in the worker's language. An initiative
        # that left is gone for filings (410), while its admins still read its export.
        status = 410 if exc.kind == "tenant-offboarded" else exc.status
        raise Problem(status, exc.kind, exc.detail) from None


@dataclass(frozen=True)
class Masthead:
    """What every worker page shows of its initiative: its name, the languages it offers
    (the language links offer these, not every catalogue the platform has), its hotline."""

    name: str
    languages: tuple[str, ...]
    time_zone: str = "UTC"
    hotline: str | None = None  # the number every page gives a worker to call, if any


async def masthead(conn: Conn, tenant: str) -> Masthead:
    """The tenant's name and languages, read on its stream (not a read model a rebuild
    empties: ADR 18); 404 for a tenant never registered."""
    state = await read_tenant(conn, tenant)
    if (settings := state.settings) is None:
        raise Problem(404, "unknown-tenant", f"there is no initiative {tenant!r}")
    return Masthead(settings.name, tuple(settings.languages), settings.time_zone, state.hotline)


async def tenant_name(conn: Conn, tenant: str) -> str:
    """The tenant's name; 404 for a tenant never registered."""
    return (await masthead(conn, tenant)).name


async def file_grievance(
    conn: Conn,
    store: EventStore,
    intake: Intake,
    metadata: Metadata,
    form: GrievanceInput,
    channel: Channel,
    *,
    uploads: Sequence[Upload] = (),
    grievance_id: str | None = None,
    member_org: str | None = None,
    member_reference: str | None = None,
    audit_id: str | None = None,
    with_secret: bool = True,
    secret: str | None = None,
) -> Filed:
    """Seal the personal data under a new data key and record the grievance.

    Call inside a transaction on `conn`: the key, the sealed files and the events land
    together or not at all. `secret`, when given, is the receipt's secret (the web form
    derives it from the form, so that a repeated POST can show the same receipt).
    """
    tenant = metadata.tenant
    country = await may_file_here(
        conn, store, tenant, form.site_id, channel, member_org, form.country
    )
    kinds = [check_upload(u) for u in uploads]
    if not form.keep_original_metadata:
        # Before the first write: the transaction holds nothing back while pixels are redrawn.
        uploads = [
            Upload(await asyncio.to_thread(without_metadata, u.data, kind))
            for u, kind in zip(uploads, kinds, strict=True)
        ]
    gid = grievance_id or str(new_id())
    key = await intake.keyring.create(conn, grievance_key_id(gid), tenant)
    # Everything a person typed is sealed; only codes and ids stay readable in the log.
    personal = {
        "narrative": form.narrative,
        "contact": form.contact and form.contact.model_dump(),
        "site_text": form.site_text,
        "member_reference": member_reference,
    }
    # argon2 takes a core for a tenth of a second: never on the event loop, never for nothing.
    receipt = (
        await asyncio.to_thread(new_receipt, secret) if with_secret else receipt_without_secret()
    )
    command = SubmitGrievance(
        grievance_id=gid,
        channel=channel,
        language=form.language,
        country=country,
        category=form.category,
        personal=key.seal(json.dumps(personal).encode()),
        receipt_reference=receipt.reference,
        receipt_hash=receipt.hash,
        filed_digest="",
        site_id=form.site_id,
        since=form.since,
        consent=form.consent,
        member_org=member_org,
        audit_id=audit_id,
    )
    filed = {k: v for k, v in command.__dict__.items() if k not in ("receipt_hash", "filed_digest")}
    filed["personal"] = command.personal.model_dump()
    command = SubmitGrievance(**{**command.__dict__, "filed_digest": digest(filed)})
    state = Grievance()
    events: list[EventData] = []
    for new in decide(command, state):
        events.append(new)
        state = evolve(state, new)
    for upload, kind in zip(uploads, kinds, strict=True):
        attachment_id = str(new_id())
        await sealed_files.put(conn, key, attachment_id, tenant, kind, upload.data)
        for new in decide(AttachFile(gid, attachment_id, kind, len(upload.data)), state):
            events.append(new)
            state = evolve(state, new)
    stream = grievance_stream(gid)
    done = await store.append(stream, events, 0, metadata, conn=conn)
    await conn.execute(
        "INSERT INTO intake.receipts VALUES ($1, $2, $3, $4, $5)",
        tenant, receipt.reference, gid, receipt.hash, command.filed_digest,
    )  # fmt: skip
    number = phone_number(form.contact.phone_or_email) if form.contact else None
    if number is not None:
        # Where a lost receipt may be sent again: a keyed hash of the number, never the number.
        keys = await number_keys(conn, intake, tenant, number)
        await conn.execute(
            """INSERT INTO intake.contact_keys (tenant, contact_key, grievance_id, lookup_key)
               VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING""",
            tenant, keys.hash, gid, keys.key_id,
        )  # fmt: skip
    proof = Proof(receipt.reference, datetime.now(UTC).replace(microsecond=0), command.filed_digest)
    return Filed(
        grievance_id=gid,
        reference=receipt.reference,
        secret=receipt.secret if with_secret else None,
        proof=proof.sign(intake.proof_key),
        stream=stream,
        version=done.version,
    )
