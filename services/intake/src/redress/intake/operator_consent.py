"""A referral's consent request, answered on the phone: the worker with a basic phone, or
none, is asked through an operator who has read their receipt back.

The operator reads out what the status page would show (who, why, what every partner
learns, what else they may share, in the worker's language) and records the worker's answer
as the status page does (`consent_answers.answering`), said to have come by the hotline:
referral records it as consent given by the worker on the phone. No list of requests
waiting is offered to operators: a worker's requests are read only with their receipt.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from redress.events.catalogue.grievance import Channel
from redress.events.catalogue.grievance_answers import ConsentAnswer, ReferralConsentAnswered
from redress.events.catalogue.referral import SharedField
from redress.events.envelope import EventData
from redress.events.store import Conn
from redress.intake.by_receipt import ByReceipt, Command, Recorded, Recording
from redress.intake.consent_answers import Held, answering, given
from redress.intake.context import Intake
from redress.intake.domain import Grievance
from redress.intake.referral_requests import requests, shared
from redress.intake.texts import (
    AGREED_TITLE,
    ALWAYS_LEARNED,
    ALWAYS_LEARNED_TITLE,
    CONSENT_DECLINED,
    CONSENT_QUESTION,
    CONSENT_REVOKED,
    HELP_WITH,
    MAY_WITHDRAW,
    ONLY_TICKED,
    SHARED_FIELDS,
)
from redress.kit.openapi import answers
from redress.kit.text import Line

router = APIRouter(prefix="/v1", tags=["operators"])
Answer = Literal["given", "declined", "revoked"]


class Offered(BaseModel):
    field: SharedField
    said: str = Field(description="the box as the worker's status page says it")


class ConsentRequest(BaseModel):
    """A partner an officer chose for the worker, as their status page shows it."""

    referral_id: str
    partner_id: str
    partner: str = Field(description="the partner's name")
    kind: str = Field(description="what kind of service it is, in the worker's language")
    services: list[str] = Field(description="the help asked for, in the worker's language")
    always_learned: str = Field(description="what every partner learns, to read out")
    offered: list[Offered] = Field(
        description="what else the partner asked for and the report holds: the worker may "
        "agree to share each, or none"
    )
    agreed: list[Offered] = Field(description="what the worker agreed to share, if they agreed")
    consent: Literal["asked", "given", "declined", "revoked"]
    state: str | None = Field(None, description="where it is with the partner")
    question: str | None = Field(None, description="the question to read out, while asked")
    answers: list[Answer] = Field(description="what the worker may answer now")
    read_out: list[str] = Field(
        description="what the worker's status page says of it, sentence by sentence in its "
        "order, for the operator to read out before asking"
    )


async def consent_requests(
    conn: Conn, intake: Intake, tenant: str, grievance_id: str, _: Any
) -> list[ConsentRequest]:
    """The worker's consent requests, each offering only what the report holds."""
    held = await given(conn, intake.keyring, grievance_id)
    asked = await requests(conn, tenant, grievance_id, _, named=held.named)
    return [_request(r, held, _) for r in asked]


def _request(r: dict[str, Any], held: Held, _: Any) -> ConsentRequest:
    offered = [Offered(field=SharedField(f), said=said) for f, said in r["fields"] if f in held]
    agreed = [Offered(field=SharedField(f), said=_(shared(f, held.named)))
              for f in r["agreed_fields"] if f in SHARED_FIELDS]  # fmt: skip
    answers = list(r["answers"])
    question = _(CONSENT_QUESTION) if "given" in answers else None
    # The status page's sentences, in its order: who, why, what every partner learns, what
    # was agreed, where it is, then what the worker may answer and what follows from it.
    lines = [f"{r['name']} ({r['kind']})", f"{_(HELP_WITH)} {'; '.join(r['services'])}",
             f"{_(ALWAYS_LEARNED_TITLE)}: {_(ALWAYS_LEARNED)}"]  # fmt: skip
    if r["consent"] == "given" and agreed:
        lines.append(f"{_(AGREED_TITLE)}: {'; '.join(a.said for a in agreed)}")
    lines += [r["state"]] if r["state"] else []
    said = SAID.get(r["consent"])
    lines += [_(said)] if said else []
    if question:
        lines.append(question)
        if offered:
            lines.append(f"{_(ONLY_TICKED)} {'; '.join(o.said for o in offered)}")
    lines += [_(MAY_WITHDRAW)] if "revoked" in answers else []
    return ConsentRequest(
        referral_id=r["referral_id"], partner_id=r["partner_id"], partner=r["name"],
        kind=r["kind"], services=r["services"], always_learned=_(ALWAYS_LEARNED),
        offered=offered, agreed=agreed, consent=r["consent"], state=r["state"],
        question=question, answers=answers, read_out=lines,
    )  # fmt: skip


# What the page says once the worker has said no, or withdrawn their agreement.
SAID = {"declined": CONSENT_DECLINED, "revoked": CONSENT_REVOKED}


class Answering(BaseModel):
    """The worker's answer to one request, as the operator recorded it."""

    referral_id: Line = Field(min_length=1, max_length=100)
    partner_id: Line = Field(min_length=1, max_length=100)
    answer: ConsentAnswer
    fields: list[SharedField] = Field(
        default=[], max_length=len(SharedField),
        description="with a yes, the personal fields the worker agrees to share, of those "
        "offered; with any other answer nothing is shared, whatever is named here",
    )  # fmt: skip


class ConsentByPhone(Answering, ByReceipt):
    pass


class ConsentRecorded(Recorded):
    """The answer as recorded, for the operator to read back to the worker."""

    answer: ConsentAnswer
    agreed: list[SharedField] = Field(
        description="what the worker agreed to share: the fields named that the partner asked "
        "for and the report holds; none with any other answer",
    )


def consent_recorded(stream: str, version: int, events: Sequence[EventData]) -> Recorded:
    (answered,) = (e for e in events if isinstance(e, ReferralConsentAnswered))
    return ConsentRecorded(stream=stream, version=version, answer=answered.answer,
                           agreed=[SharedField(f) for f in answered.fields])  # fmt: skip


@router.post("/by-receipt/consent", status_code=201, response_model=ConsentRecorded,
             responses=answers(404, 409, 429))  # fmt: skip
async def consent(body: ConsentByPhone, record: Recording) -> Any:
    """The worker's answer to a consent request, as they said it on the phone: agreeing (to
    share the fields named as well), not agreeing, or withdrawing an agreement. Recorded as
    their status page records it; referral then records the consent as given by the worker
    on the phone, and sends the referral on a yes."""

    command = answer_of(record.intake, record.principal.tenant, body.referral_id,
                        body.partner_id, body.answer, body.fields)  # fmt: skip
    return await record(body, command, consent_recorded)


def answer_of(
    intake: Intake, tenant: str, referral_id: str, partner_id: str, answer: ConsentAnswer,
    fields: list[SharedField],
) -> Command:  # fmt: skip
    """The worker's answer to a consent request, said on the phone (the API's, the desk's)."""

    async def command(conn: Conn, gid: str, state: Grievance) -> Any:
        return await answering(
            conn, intake.keyring, tenant, gid, referral_id, partner_id, answer,
            [f.value for f in fields], Channel.hotline,
        )  # fmt: skip

    return command
