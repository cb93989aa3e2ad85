"""A worker on the line with an operator, whatever the transport: their report as they would
read it, and the commands recorded for them.

The JSON API (`operator_api`, `operator_consent`) and the hotline desk (`desk_call`) both
read the report here and record the worker's words with these commands (`by_receipt.record`),
so that a reply, a score, a withdrawal or an erasure means the same wherever the operator
typed it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, Field

from redress.events.catalogue.grievance import Channel, ErasureReason, Sealed
from redress.events.store import Conn
from redress.intake.by_receipt import Command
from redress.intake.context import Intake
from redress.intake.domain import (
    ErasePersonalData,
    GiveSatisfaction,
    Grievance,
    GrievanceRefused,
    PostWorkerMessage,
    RequestWithdrawal,
    Status,
)
from redress.intake.erasure import erase
from redress.intake.operator_consent import ConsentRequest, consent_requests
from redress.intake.referral_requests import still_helping
from redress.intake.texts import (
    BEFORE_ERASING,
    BEFORE_WITHDRAWING,
    GROUNDS,
    OUTCOMES,
    SCALE,
    STATUS,
    STILL_HELPING,
    status_key,
)
from redress.kit.errors import Problem
from redress.kit.text import Prose


class WorkerMessage(BaseModel):
    """What the worker says to their officer, as the operator typed it."""

    text: Annotated[Prose, Field(min_length=1, max_length=5000)]


class Score(BaseModel):
    score: int = Field(ge=1, le=5)


class Message(BaseModel):
    author: Literal["worker", "officer"]
    text: str
    time: str


class Reading(BaseModel):
    """The grievance as the worker would read it, in their language (`language`)."""

    reference: str
    language: str = Field(description="the worker's language")
    said_in: str = Field(description="the language of the texts below but the messages")
    status: str = Field(description="where the report is, in the worker's language")
    due_on: str | None = None
    grounds: str | None = Field(None, description="why it was not taken up, if it was not")
    outcome: str | None = Field(None, description="the outcome, in the worker's language")
    satisfaction: str | None = None
    messages: list[Message]
    before_withdrawing: str = Field(description="to read out before a withdrawal")
    before_erasing: str = Field(description="to read out before an erasure")
    referrals: list[ConsentRequest] = Field(
        description="support services an officer chose for the worker: each asks their "
        "consent (`POST /v1/by-receipt/consent`), or says where it is"
    )


async def reading(
    conn: Conn, intake: Intake, tenant: str, grievance_id: str, said_in: str | None = None
) -> Reading:
    """Where the worker's report is, its messages and its outcome, in the worker's language
    (or in `said_in`, for an operator who does not speak it: the worker's messages stay as
    they wrote them)."""
    g = await _report(conn, tenant, grievance_id)
    said_in = said_in or g["language"]
    _ = intake.pages.gettext(said_in)
    messages = []
    for row in await conn.fetch(
        "SELECT author, sealed, time FROM intake.thread WHERE grievance_id = $1 "
        "ORDER BY position", grievance_id,
    ):  # fmt: skip
        text = await intake.keyring.open(conn, Sealed.model_validate(json.loads(row["sealed"])))
        if text is not None:
            messages.append(Message(author=row["author"], text=text.decode(),
                                    time=row["time"].isoformat()))  # fmt: skip
    referrals = await consent_requests(conn, intake, tenant, grievance_id, _)
    helping = await still_helping(conn, tenant, grievance_id)
    said = STATUS.get(status_key(g), STATUS["received"])
    grounds, outcome = GROUNDS.get(g["grounds"]), OUTCOMES.get(g["outcome"])
    scored, due = SCALE.get(g["satisfaction"]), g["stage_due"]
    return Reading(
        reference=g["reference"], language=g["language"], said_in=said_in, status=_(said),
        due_on=due.isoformat() if due else None,
        grounds=_(grounds) if grounds else None,
        outcome=_(outcome) if outcome else None,
        satisfaction=_(scored) if scored else None,
        messages=messages, referrals=referrals,
        before_withdrawing=_before_withdrawing(_, helping), before_erasing=_before_erasing(_),
    )  # fmt: skip


class ReadOut(NamedTuple):
    language: str  # the worker's, which the sentence is said in
    sentence: str


async def before(
    conn: Conn, intake: Intake, tenant: str, grievance_id: str, withdrawing: bool
) -> ReadOut:
    """Only what the worker's page says before a withdrawal (`before_withdrawing`) or an
    erasure (`before_erasing`), in their language: what is read out before the operator
    confirms, without opening the report's messages to say it."""
    language = str((await _report(conn, tenant, grievance_id))["language"])
    _ = intake.pages.gettext(language)
    if withdrawing:
        helping = await still_helping(conn, tenant, grievance_id)
        return ReadOut(language, _before_withdrawing(_, helping))
    return ReadOut(language, _before_erasing(_))


async def _report(conn: Conn, tenant: str, grievance_id: str) -> Any:
    """The report's row of the read model (nothing in it is opened)."""
    g = await conn.fetchrow(
        "SELECT * FROM intake.grievances WHERE grievance_id = $1 AND tenant = $2",
        grievance_id, tenant,
    )  # fmt: skip
    if g is None:  # filed a moment ago: the read model is not there yet
        raise Problem(404, "not-yet", "the report is being recorded; try again in a moment")
    return g


def _before_withdrawing(_: Callable[[str], str], helping: bool) -> str:
    # That the support services the worker agreed to keep their case, where one does (ADR 49).
    return " ".join(_(sentence) for sentence in (BEFORE_WITHDRAWING, STILL_HELPING)[: 1 + helping])


def _before_erasing(_: Callable[[str], str]) -> str:
    return " ".join(_(sentence) for sentence in BEFORE_ERASING)


# -- what the worker asks for -------------------------------------------------------------------


def message(intake: Intake, text: str) -> Command:
    """The worker's message, as they said it on the phone, joins their report's thread."""

    async def command(conn: Conn, gid: str, state: Grievance) -> Any:
        if state.status is Status.erased:  # no key left to seal it with: refused, as decided
            raise GrievanceRefused("erased", "the personal data of this grievance was erased")
        sealed = (await intake.keyring.get(conn, state.key_id or "")).seal(text.encode())
        return PostWorkerMessage(gid, sealed, Channel.hotline)

    return command


def satisfaction(score: int) -> Command:
    """How satisfied the worker says they are with the outcome, from 1 to 5."""

    async def command(conn: Conn, gid: str, state: Grievance) -> Any:
        return GiveSatisfaction(gid, score)

    return command


def withdrawal() -> Command:
    """The worker withdraws their report: the case ends and nobody contacts them about it."""

    async def command(conn: Conn, gid: str, state: Grievance) -> Any:
        return RequestWithdrawal(gid)

    return command


def erasure(intake: Intake) -> Command:
    """The worker's personal data erased, as on their status page: the data key and every
    hash of their number deleted before the event says so."""

    async def command(conn: Conn, gid: str, state: Grievance) -> Any:
        await erase(conn, intake.keyring, gid, state, ErasureReason.worker_request)
        return ErasePersonalData(gid, ErasureReason.worker_request)

    return command
