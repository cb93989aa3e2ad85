"""What can be done to an assessment, transport-free: the API (and, later, pages) call these.

Each handler admits the principal to the assessment as the log has it, decides on its events
and appends through the application layer's `execute` (ADR 0006 retry, Idempotency-Key).
A member acts for its organisation only (its token's `org`): another organisation's
assessment is 404, as if it did not exist; so is another tenant's for anyone. Officers and
supervisors reach every assessment of their tenant and review members' answers; they answer
only the initiative's own self-assessment (whose `org` is empty), never a member's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any
from uuid import uuid4

from redress.assessment import domain as d
from redress.assessment import plan
from redress.assessment import requests as r
from redress.assessment.context import Desk
from redress.events.application import Within, execute
from redress.events.catalogue.assessment import AnswerRecorded, AssessmentStarted
from redress.events.envelope import Event, EventData
from redress.events.ids import new_stream
from redress.events.store import Conn
from redress.kit.auth import Principal
from redress.kit.authz import Role
from redress.kit.crypto import DataKey, DataKeyExists, KeyErased, evidence_key_id
from redress.kit.deps import metadata_for
from redress.kit.errors import Problem
from redress.kit.idempotency import Once, Retry
from redress.tenancy import tenant as tenancy
from redress.tenancy.handlers import load

NOT_FOUND = "there is no such assessment"
INITIATIVE = ""
"""The `org` of the initiative's assessment of itself."""
SCHEMA = "assessment"


def org_of(p: Principal) -> str:
    """A member acts for its organisation: its token must name it."""
    if not p.org:
        raise Problem(403, "forbidden", "a member's token must name its organisation")
    return p.org


def scope(p: Principal) -> str | None:
    """The organisation a principal is confined to: a member's own; staff, none."""
    return org_of(p) if p.acting_as == Role.member else None


def started_of(p: Principal, events: list[Event]) -> AssessmentStarted:
    """The assessment's start; 404 for another tenant's, another organisation's, or none."""
    started = events[0].data if events else None
    if not isinstance(started, AssessmentStarted) or events[0].tenant != p.tenant:
        raise Problem(404, "not-found", NOT_FOUND)
    if (org := scope(p)) is not None and started.org != org:
        raise Problem(404, "not-found", NOT_FOUND)
    return started


def respondent_of(p: Principal, events: list[Event]) -> AssessmentStarted:
    """`started_of`, for those who answer: a member its own organisation's; staff only the
    initiative's own self-assessment."""
    started = started_of(p, events)
    if p.acting_as != Role.member and started.org != INITIATIVE:
        raise Problem(403, "forbidden", "officers review a member's answers; they do not answer")
    return started


async def events_of(desk: Desk, assessment_id: str) -> list[Event]:
    ours = assessment_id.startswith("assessment-")
    return await desk.store.read_stream(assessment_id) if ours else []


async def write(
    desk: Desk,
    p: Principal,
    assessment_id: str,
    decide: Callable[[list[Event]], Sequence[EventData]],
    retry: Retry | None = None,
    admit: Callable[[Principal, list[Event]], Any] = started_of,
    files: Mapping[str, tuple[str, bytes]] | None = None,
) -> r.Written:
    """Decide and append; an answer's evidence and the content of `files` (by file id: type
    and content, attached by the events decided) sealed under the assessment's key in the
    same transaction, so that what is recorded and what is stored stand or fall together."""
    if not assessment_id.startswith("assessment-"):
        raise Problem(404, "not-found", NOT_FOUND)

    def answer(done: Any) -> r.Written:
        return r.Written(assessment_id=assessment_id, version=done.version)

    within = Within(Once.of(retry, SCHEMA, p, answer))

    async def decided(history: list[Event]) -> Sequence[EventData]:
        admit(p, history)
        events = decide(history)  # refused before anything is written
        if not files and not any(isinstance(e, AnswerRecorded) and e.evidence for e in events):
            return events
        conn = within.conn
        assert conn is not None  # lent by `execute`, in the write's transaction
        key = await _key(desk, conn, evidence_key_id(assessment_id), p.tenant)
        for file_id, (media_type, content) in (files or {}).items():
            await conn.execute(
                "INSERT INTO assessment.evidence_files VALUES ($1, $2, $3, $4, $5::jsonb)",
                file_id, assessment_id, p.tenant, media_type,
                key.seal(content).model_dump_json(),
            )  # fmt: skip
        return [sealed(e, key) for e in events]

    done = await execute(desk.store, assessment_id, decided, metadata_for(p), transaction=within)
    if done.earlier is not None:
        return r.Written.model_validate(done.earlier)
    return answer(done)


def sealed(event: EventData, key: DataKey) -> EventData:
    """An answer's evidence (texts and links) sealed under the assessment's key, so that
    erasing the key leaves the log unreadable for it; other events as they are."""
    if not isinstance(event, AnswerRecorded) or not event.evidence:
        return event
    plain = json.dumps([e.model_dump(mode="json") for e in event.evidence]).encode()
    return event.model_copy(update={"evidence": (), "sealed_evidence": key.seal(plain)})


async def run(
    desk: Desk, p: Principal, assessment_id: str, *commands: object, retry: Retry | None = None,
    admit: Callable[[Principal, list[Event]], Any] = started_of,
    files: Mapping[str, tuple[str, bytes]] | None = None,
) -> r.Written:  # fmt: skip
    decide = d.aggregate(desk.frameworks).deciding(assessment_id, *commands)
    return await write(desk, p, assessment_id, decide, retry, admit, files)


async def answering(
    desk: Desk, p: Principal, assessment_id: str, *commands: object, retry: Retry | None = None,
    files: Mapping[str, tuple[str, bytes]] | None = None,
) -> r.Written:  # fmt: skip
    return await run(desk, p, assessment_id, *commands, retry=retry, admit=respondent_of,
                     files=files)  # fmt: skip


def _answer(body: r.AnswerBody | r.ReplyBody, criterion: str) -> d.Answer:
    assert body.answer is not None
    evidence = tuple(e.evidence() for e in body.evidence)
    return d.Answer(criterion, body.answer, body.reason, evidence)


# Those who answer (a member; staff for the initiative's own).


async def start(desk: Desk, p: Principal, body: r.StartBody, retry: Retry | None = None
                ) -> r.Written:  # fmt: skip
    """A new assessment, on the version asked (or the latest): of a member's mechanism, or
    (staff) of the initiative itself. Only in an initiative that exists, and only by a member
    organisation it has admitted (`admitted`)."""
    org = org_of(p) if p.acting_as == Role.member else INITIATIVE
    await admitted(desk, p.tenant, org or None)
    f = desk.frameworks
    framework = f.get(body.framework, body.version) if body.version else f.latest(body.framework)
    digest = f.digest(framework.id, framework.version) if framework else ""
    decide = d.aggregate(f).deciding("", d.Start(org, framework, digest, body.title))
    return await write(desk, p, new_stream("assessment"), decide, retry, admit=lambda *_: None)


async def admitted(desk: Desk, tenant: str, member_org: str | None) -> None:
    """The initiative exists (404 `unknown-tenant`), is still on the platform (409
    `tenant-offboarded`) and, where a member company acts, has admitted it (403
    `not-a-member`), as intake decides for a grievance filed.

    Decided on the tenant's own stream, not on a read model that a rebuild empties (ADR 18).
    """
    state, _ = await load(desk.store, tenant)
    try:
        tenancy.admit(state, member_org)
        if state.offboarded:
            left = "this initiative has left the platform"
            raise tenancy.TenantRefused("tenant-offboarded", left)
    except tenancy.TenantRefused as exc:
        raise Problem(exc.status, exc.kind, exc.detail) from None


async def answer(desk: Desk, p: Principal, assessment_id: str, criterion: str,
                 body: r.AnswerBody, retry: Retry | None = None) -> r.Written:  # fmt: skip
    return await answering(desk, p, assessment_id, _answer(body, criterion), retry=retry)


async def answer_all(desk: Desk, p: Principal, assessment_id: str,
                     bodies: Mapping[str, r.AnswerBody]) -> r.Written:  # fmt: skip
    """Answers to several criteria in one write: the page's Save sends every criterion."""
    commands = [_answer(body, criterion) for criterion, body in bodies.items()]
    return await answering(desk, p, assessment_id, *commands)


async def submit(desk: Desk, p: Principal, assessment_id: str, retry: Retry | None = None
                 ) -> r.Written:  # fmt: skip
    return await answering(desk, p, assessment_id, d.Submit(), retry=retry)


async def reply(desk: Desk, p: Principal, assessment_id: str, criterion: str,
                body: r.ReplyBody, retry: Retry | None = None,
                files: Sequence[tuple[str, str, bytes]] = ()) -> r.Written:  # fmt: skip
    """The reply to a challenge, with the documents (name, type, content) sent with it: all
    recorded in one write, or none (the pages' reply form carries its files)."""
    revised = _answer(body, criterion) if body.answer is not None else None
    named = {f"file-{uuid4().hex}": file for file in files}
    attached = [d.AttachFile(criterion, i, name, media_type, len(content))
                for i, (name, media_type, content) in named.items()]  # fmt: skip
    command = d.Reply(criterion, body.comment, revised)
    stored = {i: (media_type, content) for i, (_, media_type, content) in named.items()}
    # The files first: once replied to, the answer no longer takes one.
    return await answering(desk, p, assessment_id, *attached, command, retry=retry, files=stored)


async def agree(desk: Desk, p: Principal, assessment_id: str, retry: Retry | None = None
                ) -> r.Written:  # fmt: skip
    return await answering(desk, p, assessment_id, d.AgreeRating(), retry=retry)


async def dispute(desk: Desk, p: Principal, assessment_id: str, body: r.CommentBody,
                  retry: Retry | None = None) -> r.Written:  # fmt: skip
    return await answering(desk, p, assessment_id, d.DisputeRating(body.comment), retry=retry)


async def plan_action(desk: Desk, p: Principal, assessment_id: str, criterion: str,
                      body: r.ActionBody, retry: Retry | None = None) -> r.Written:  # fmt: skip
    # A day's grace: the member may be a day behind UTC (the initiative's zone is not theirs).
    today = desk.clock.now().date() - timedelta(days=1)
    command = plan.PlanAction(criterion, body.owner, body.due_on, body.description, today)
    return await answering(desk, p, assessment_id, command, retry=retry)


async def report_progress(
    desk: Desk, p: Principal, assessment_id: str, criterion: str, body: r.ProgressBody,
    retry: Retry | None = None,
) -> r.Written:  # fmt: skip
    command = plan.ReportProgress(criterion, body.note, body.done)
    return await answering(desk, p, assessment_id, command, retry=retry)


async def attach(desk: Desk, p: Principal, assessment_id: str, criterion: str, name: str,
                 media_type: str, content: bytes) -> r.Attached:  # fmt: skip
    """Seal a file under the assessment's data key and record it, in one transaction."""
    file_id = f"file-{uuid4().hex}"
    command = d.AttachFile(criterion, file_id, name, media_type, len(content))
    stored = {file_id: (media_type, content)}
    done = await answering(desk, p, assessment_id, command, files=stored)
    return r.Attached(assessment_id=assessment_id, version=done.version, file_id=file_id)


async def _key(desk: Desk, conn: Conn, key_id: str, tenant: str) -> DataKey:
    try:
        return await desk.keyring.get(conn, key_id)
    except KeyErased:
        try:
            return await desk.keyring.create(conn, key_id, tenant)
        except DataKeyExists:  # another upload made it first
            return await desk.keyring.get(conn, key_id)


# The initiative's review of members' answers.


async def verify(desk: Desk, p: Principal, assessment_id: str, criterion: str,
                 body: r.VerifyBody, retry: Retry | None = None) -> r.Written:  # fmt: skip
    return await run(desk, p, assessment_id, d.Verify(criterion, body.comment), retry=retry)


async def challenge(desk: Desk, p: Principal, assessment_id: str, criterion: str,
                    body: r.CommentBody, retry: Retry | None = None) -> r.Written:  # fmt: skip
    return await run(desk, p, assessment_id, d.Challenge(criterion, body.comment), retry=retry)


async def propose(desk: Desk, p: Principal, assessment_id: str, body: r.ProposeBody,
                  retry: Retry | None = None) -> r.Written:  # fmt: skip
    return await run(desk, p, assessment_id, d.ProposeRating(body.comment), retry=retry)
