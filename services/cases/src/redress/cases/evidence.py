"""The evidence of verification, sealed: files an officer attaches to a finding.

A photo of the site, a recording of an interview, a payroll register: each file is checked
(its type read from its own bytes, never the sender's word; at most `MAX_FILE_BYTES`), then,
in the transaction that appends its event, sealed under the grievance's data key and stored
in the keyring's sealed files (ADR 0032), as intake stores the worker's own. Its name and
digest are sealed in the event; the log holds nothing else of it but its type and size.
Erasing the grievance's key erases the files with it (the sealed files cascade from their
key), whether the worker asks or retention runs out (ADR 0009).

Transport-free, like `redress.cases.handlers`: the API and the console both call it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import filetype
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from redress.cases import commands as c
from redress.cases import verification as v
from redress.cases.context import Desk
from redress.cases.handlers import NOT_FOUND, SCHEMA, admit
from redress.events.application import Recorded, Within, execute
from redress.events.catalogue.case_verification import VerificationEvidenceAttached
from redress.events.envelope import Event, EventData
from redress.events.ids import new_id
from redress.kit import sealed_files
from redress.kit.auth import Principal
from redress.kit.crypto import DataKey, KeyErased, grievance_key_id
from redress.kit.deps import metadata_for
from redress.kit.errors import Problem
from redress.kit.idempotency import Once, Retry
from redress.kit.text import check_line

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_AT_ONCE = 5  # files on one form of the console
TYPES = {
    # Photos, recordings and films of a site visit or an interview.
    "image/jpeg", "image/png", "image/webp", "image/heic", "image/gif",
    "audio/ogg", "audio/mpeg", "audio/mp4", "audio/aac", "audio/amr", "audio/x-wav",
    "audio/x-flac", "video/mp4", "video/quicktime", "video/3gpp", "video/webm",
    # Documents: payroll registers, contracts, payslips, reports.
    "application/pdf", "application/rtf", "application/msword", "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
}  # fmt: skip
TEXT = "text/plain"
KINDS = "evidence may be photos, recordings, videos, PDF, office documents or plain text"
_CONTROL = {*range(0, 9), 11, 12, *range(14, 32), 127}


@dataclass(frozen=True)
class File:
    """A file checked for evidence: its name as sent, its type as its bytes say."""

    name: str
    content_type: str
    data: bytes


def kind_of(data: bytes) -> str:
    """The file's type, read from its own bytes; 415 unless evidence may be of it."""
    kind = filetype.guess(data)
    if kind is not None and kind.mime in TYPES:
        return str(kind.mime)
    if kind is None and _plain_text(data):
        return TEXT
    raise Problem(415, "file-type", KINDS)


def _plain_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(ord(ch) in _CONTROL for ch in text[:100_000])


async def checked(upload: UploadFile) -> File:
    """An upload as evidence, or the problem with it (the console says it too)."""
    data = await upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise Problem(413, "file-too-large", f"a file may be at most {MAX_FILE_BYTES >> 20} MB")
    if not data:
        raise Problem(422, "validation", "the file is empty")
    name = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
    try:
        name = check_line(name) or "evidence"
    except ValueError:
        raise Problem(422, "validation", "the file's name holds control characters") from None
    return File(name, kind_of(data), data)


def fingerprint(finding: int | None, files: Sequence[File]) -> bytes:
    """What an upload asks, for its Idempotency-Key: a multipart body is sent with another
    boundary on each retry, so its raw bytes cannot say whether it is the same request."""
    parts = [f"finding:{finding}"]
    parts += [f"{f.name}\0{f.content_type}\0{hashlib.sha256(f.data).hexdigest()}" for f in files]
    return "\n".join(parts).encode()


class Attached(BaseModel):
    """Where the change is, and the ids of the files attached (in the order sent)."""

    case_id: str
    version: int
    finding: int
    file_ids: list[str]


def _answer(case_id: str, finding: int | None, done: Recorded) -> Attached:
    files = [e for e in done.events if isinstance(e, VerificationEvidenceAttached)]
    version = finding or (files[0].finding_version if files else done.version)
    return Attached(case_id=case_id, version=done.version, finding=version,
                    file_ids=[e.file_id for e in files])  # fmt: skip


async def _write(
    desk: Desk,
    p: Principal,
    case_id: str,
    command: Callable[[DataKey, tuple[v.Evidence, ...]], v.Command],
    files: Sequence[File],
    finding: int | None,
    retry: Retry | None,
) -> Attached:
    """Decide the command with its files sealed, store the files, append: all or nothing."""
    if not case_id.startswith("case-"):
        raise Problem(404, "not-found", NOT_FOUND)
    once = Once.of(retry, SCHEMA, p, lambda done: _answer(case_id, finding, done))
    sealing = Within(once)

    async def decide(history: list[Event]) -> Sequence[EventData]:
        opened = admit(p, history)
        conn = sealing.conn
        assert conn is not None  # lent by `execute`, in the write's transaction
        try:
            key = await desk.cases.keyring.get(conn, grievance_key_id(opened.grievance_id))
        except KeyErased:
            detail = "the worker erased their data: nothing more can be sealed for them"
            raise Problem(409, "personal-data-erased", detail) from None
        evidence = tuple(
            v.Evidence(str(new_id()), f.content_type, len(f.data), _described(key, f))
            for f in files
        )
        # Refused before anything is stored; stored in the transaction that appends.
        decided = v.decide(command(key, evidence), [e.data for e in history])
        for e, f in zip(evidence, files, strict=True):
            await sealed_files.put(conn, key, e.file_id, p.tenant, f.content_type, f.data)
        return decided

    done = await execute(desk.store, case_id, decide, metadata_for(p), transaction=sealing)
    if done.earlier is not None:
        return Attached.model_validate(done.earlier)
    return _answer(case_id, finding, done)


def _described(key: DataKey, f: File) -> Any:
    said = {"name": f.name, "sha256": hashlib.sha256(f.data).hexdigest()}
    return key.seal(json.dumps(said).encode())


async def attach(
    desk: Desk,
    p: Principal,
    case_id: str,
    finding: int,
    files: Sequence[File],
    retry: Retry | None = None,
) -> Attached:
    """Attach files to a finding recorded earlier (while the case is in verification)."""
    return await _write(
        desk, p, case_id, lambda _, evidence: v.AttachEvidence(finding, evidence), files,
        finding, retry,
    )  # fmt: skip


async def record_finding(
    desk: Desk, p: Principal, case_id: str, body: c.FindingBody, files: Sequence[File]
) -> c.Written:
    """Record a finding with its files, in one append (the console's form)."""

    def command(key: DataKey, evidence: tuple[v.Evidence, ...]) -> v.Command:
        return v.RecordFinding(body.source, key.seal(body.finding.encode()), evidence)

    done = await _write(desk, p, case_id, command, files, None, None)
    return c.Written(case_id=case_id, version=done.version)
