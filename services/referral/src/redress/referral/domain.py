"""The referral of a case, pure: decide(command, state) -> events; evolve(state, event) -> state.

Safety first: partners are chosen after a safety check. Each partner chosen is a consent
request; the referral is sent to it when the worker consents (to it, and to each personal
field named), or when two different officers approve an emergency referral for imminent
danger. The partner then acknowledges, accepts or declines, reports services and closes.
Times come in with the commands (`now`, the tenant's acknowledgement hours), so that the
domain never reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import MappingProxyType

from redress.events.application import Aggregate
from redress.events.catalogue.grievance import Sealed
from redress.events.catalogue.grievance_answers import ConsentAnswer
from redress.events.catalogue.partner import PartnerKind, Service
from redress.events.catalogue.referral import (
    Basis,
    ConsentChannel,
    ConsentDeclined,
    ConsentGiven,
    ConsentGiver,
    ConsentRevoked,
    EmergencyGrounds,
    EmergencyReferralApproved,
    EmergencyReferralProposed,
    PartnerSelected,
    Party,
    ReferralOpened,
    ReferralSent,
    ReferralWithdrawn,
    SafetyChecked,
    SharedField,
)
from redress.events.envelope import EventData
from redress.referral import answers
from redress.referral.state import (
    ENDED,
    WITH_PARTNER,
    Addressee,
    Consent,
    Referral,
    ReferralRefused,
    Status,
)

# Commands of the officer and the worker (the partner's are in `answers`).


@dataclass(frozen=True)
class OpenReferral:
    case_id: str
    grievance_id: str
    category: str
    country: str | None
    language: str
    reasons: tuple[str, ...]
    worker_indication: bool = False
    suggested: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckSafety:
    imminent_danger: bool
    must_not_learn: tuple[Party, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """A partner as the directory has it when the officer chooses it."""

    name: str
    kind: PartnerKind
    retired: bool = False


@dataclass(frozen=True)
class SelectPartner:
    partner_id: str
    candidate: Candidate | None
    fields: tuple[SharedField, ...] = ()
    services: tuple[Service, ...] = ()


@dataclass(frozen=True)
class Sending:
    """When a referral is sent: now, the tenant's hours to acknowledge it, and the partners
    retired from the directory since they were chosen, which are sent nothing more."""

    now: datetime
    acknowledge_hours: int
    retired: frozenset[str] = frozenset()

    def check(self, partner_id: str) -> None:
        if partner_id in self.retired:
            raise ReferralRefused(
                "partner-retired",
                "this partner was retired from the directory: withdraw it and choose another",
            )

    @property
    def acknowledge_by(self) -> datetime:
        return self.now + timedelta(hours=self.acknowledge_hours)


@dataclass(frozen=True)
class RecordConsent:
    partner_id: str
    answer: ConsentAnswer
    given_by: ConsentGiver
    channel: ConsentChannel
    given_at: datetime
    sending: Sending
    fields: tuple[SharedField, ...] = ()


@dataclass(frozen=True)
class ProposeEmergency:
    partner_id: str
    officer: str
    grounds: EmergencyGrounds
    explanation: Sealed | None = None


@dataclass(frozen=True)
class ApproveEmergency:
    partner_id: str
    officer: str
    sending: Sending


@dataclass(frozen=True)
class Withdraw:
    partner_id: str


def decide(command: object, state: Referral) -> list[EventData]:
    if isinstance(command, OpenReferral):
        if state.opened is not None:
            raise ReferralRefused("already-open", "this case's referral is already open")
        return [ReferralOpened(**command.__dict__)]
    if state.opened is None:
        raise ReferralRefused("unknown-referral", "there is no such referral")
    match command:
        case CheckSafety():
            unique = tuple(dict.fromkeys(command.must_not_learn))
            return [SafetyChecked(imminent_danger=command.imminent_danger, must_not_learn=unique)]
        case SelectPartner():
            return _select(command, state)
        case RecordConsent():
            return _consent(command, state)
        case ProposeEmergency():
            return _propose(command, state)
        case ApproveEmergency():
            return _approve(command, state)
        case Withdraw(partner_id=pid):
            if state.addressee(pid).status in ENDED:
                raise ReferralRefused("ended", "the referral to this partner has ended")
            return [ReferralWithdrawn(partner_id=pid)]
    return answers.decide(command, state)


def _select(c: SelectPartner, state: Referral) -> list[EventData]:
    if state.safety is None:
        raise ReferralRefused("safety-check-first", "check the worker's safety before choosing")
    if c.candidate is None:
        raise ReferralRefused("unknown-partner", f"there is no partner {c.partner_id!r}")
    if c.candidate.retired:
        raise ReferralRefused("partner-retired", "this partner was retired from the directory")
    chosen = state.addressees.get(c.partner_id)
    if chosen is not None and chosen.status not in ENDED:
        raise ReferralRefused("already-selected", "this partner is already chosen")
    if not c.services:
        raise ReferralRefused("no-services", "say which services the worker needs")
    return [PartnerSelected(
        partner_id=c.partner_id, partner_name=c.candidate.name, partner_kind=c.candidate.kind,
        fields=tuple(dict.fromkeys(c.fields)), services=tuple(dict.fromkeys(c.services)),
    )]  # fmt: skip


def _sent(a: Addressee, fields: tuple[SharedField, ...], basis: Basis, s: Sending) -> ReferralSent:
    return ReferralSent(partner_id=a.partner_id, fields=fields, services=a.services,
                        basis=basis, acknowledge_by=s.acknowledge_by)  # fmt: skip


def _consent(c: RecordConsent, state: Referral) -> list[EventData]:
    a = state.addressee(c.partner_id)
    who = {"partner_id": a.partner_id, "given_by": c.given_by, "channel": c.channel,
           "given_at": c.given_at}  # fmt: skip
    if c.answer is ConsentAnswer.given:
        if extra := sorted(set(c.fields) - set(a.fields)):
            raise ReferralRefused("not-requested", f"not asked to share: {', '.join(extra)}")
        if a.consent is Consent.given:
            raise ReferralRefused("consent-answered", "the worker already consented")
        if a.status is not Status.consent_declined and a.status in ENDED:
            raise ReferralRefused("ended", "the referral to this partner has ended")
        if not a.sent:
            c.sending.check(a.partner_id)
        fields = tuple(f for f in a.fields if f in c.fields)
        given = ConsentGiven(**who, fields=fields)
        return [given] if a.sent else [given, _sent(a, fields, Basis.consent, c.sending)]
    if c.answer is ConsentAnswer.declined and not a.sent:
        if a.status is not Status.awaiting_consent:
            raise ReferralRefused("consent-answered", "the worker already answered")
        return [ConsentDeclined(**who)]
    # Revoked, or declined after an emergency sending: the partner reads no more.
    if not a.sent and a.status is Status.awaiting_consent:
        return [ConsentDeclined(**who)]
    if not a.sent or a.consent in (Consent.revoked, Consent.declined):
        raise ReferralRefused("nothing-to-revoke", "no consent to this partner stands")
    return [ConsentRevoked(**who)]


def _unanswered(a: Addressee) -> None:
    if a.sent:
        raise ReferralRefused("already-sent", "the referral was already sent to this partner")
    if a.status is not Status.awaiting_consent or a.refused:
        raise ReferralRefused("consent-declined", "the worker declined: their answer stands")


def _in_danger(state: Referral) -> None:
    if state.safety is None or not state.safety.imminent_danger:
        raise ReferralRefused(
            "no-imminent-danger",
            "an emergency referral needs a safety check finding imminent danger",
        )


def _propose(c: ProposeEmergency, state: Referral) -> list[EventData]:
    a = state.addressee(c.partner_id)
    _unanswered(a)
    _in_danger(state)
    if a.proposal is not None:
        raise ReferralRefused("already-proposed", "a second officer must now approve it")
    return [EmergencyReferralProposed(partner_id=a.partner_id, officer=c.officer,
                                      grounds=c.grounds, explanation=c.explanation)]  # fmt: skip


def _approve(c: ApproveEmergency, state: Referral) -> list[EventData]:
    a = state.addressee(c.partner_id)
    _unanswered(a)
    _in_danger(state)
    if a.proposal is None:
        raise ReferralRefused("not-proposed", "no emergency referral was proposed")
    if a.proposal.officer == c.officer:
        raise ReferralRefused(
            "same-officer", "an emergency referral needs a second, different officer"
        )
    c.sending.check(a.partner_id)
    approved = EmergencyReferralApproved(partner_id=a.partner_id, officer=c.officer,
                                         proposed_by=a.proposal.officer,
                                         grounds=a.proposal.grounds)  # fmt: skip
    return [approved, _sent(a, a.fields, Basis.emergency, c.sending)]


def _with(state: Referral, a: Addressee) -> Referral:
    return replace(state, addressees=MappingProxyType({**state.addressees, a.partner_id: a}))


def evolve(state: Referral, event: EventData) -> Referral:
    match event:
        case ReferralOpened():
            return replace(state, opened=event)
        case SafetyChecked():
            return replace(state, safety=event)
        case PartnerSelected():
            earlier = state.addressees.get(event.partner_id)
            refused = earlier is not None and earlier.refused
            return _with(state, Addressee(event.partner_id, event.partner_name,
                                          tuple(event.fields), tuple(event.services),
                                          refused=refused))  # fmt: skip
    pid = getattr(event, "partner_id", None)
    if pid is None or pid not in state.addressees:
        return state
    a = state.addressees[pid]
    match event:
        case ConsentGiven(fields=fields):
            a = replace(a, consent=Consent.given, consented=tuple(fields), refused=False)
        case ConsentDeclined():
            a = replace(a, consent=Consent.declined, refused=True,
                        status=Status.revoked if a.sent else Status.consent_declined)  # fmt: skip
        case ConsentRevoked():
            status = Status.revoked if a.status in WITH_PARTNER else a.status
            a = replace(a, consent=Consent.revoked, status=status, refused=True)
        case EmergencyReferralProposed():
            a = replace(a, proposal=event)
        case ReferralSent():
            a = replace(a, status=Status.sent, basis=Basis(event.basis),
                        acknowledge_by=event.acknowledge_by, overdue=False)  # fmt: skip
        case ReferralWithdrawn():
            a = replace(a, status=Status.withdrawn)
        case _:
            a = answers.evolve(a, event)
    return _with(state, a)


REFERRAL = Aggregate[Referral, object](lambda _: Referral(), evolve, decide)
