"""Given a referral's events, when a command, then events or a refusal: pure, no I/O."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

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
    DeclineReason,
    EmergencyGrounds,
    EmergencyReferralApproved,
    EmergencyReferralProposed,
    PartnerSelected,
    Party,
    ReferralAccepted,
    ReferralAcknowledged,
    ReferralClosed,
    ReferralDeclined,
    ReferralOpened,
    ReferralOutcome,
    ReferralOverdue,
    ReferralSent,
    ReferralWithdrawn,
    SafetyChecked,
    ServicesProvided,
    SharedField,
)
from redress.referral.answers import (
    Accept,
    Acknowledge,
    Close,
    Decline,
    MissAcknowledgement,
    ProvideServices,
)
from redress.referral.domain import (
    REFERRAL,
    ApproveEmergency,
    Candidate,
    CheckSafety,
    OpenReferral,
    ProposeEmergency,
    RecordConsent,
    SelectPartner,
    Sending,
    Withdraw,
    decide,
)
from redress.referral.state import Consent, Referral, ReferralRefused, Status

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SENDING = Sending(NOW, 72)
DUE = NOW + timedelta(hours=72)
NGO = "ngo-1"
OPEN = OpenReferral(
    "case-1",
    "g-1",
    "identity_documents",
    "BD",
    "bn",
    ("document_retention",),
    True,
    ("nrm-bd", NGO),
)
SAFE = CheckSafety(False, (Party.employer, Party.recruiter, Party.employer))
DANGER = CheckSafety(True, (Party.recruiter,))
SHELTER = Candidate("Safe Home", PartnerKind.shelter)
SELECT = SelectPartner(
    NGO, SHELTER, (SharedField.narrative, SharedField.contact), (Service.shelter, Service.legal_aid)
)


def consent(
    answer=ConsentAnswer.given, fields=(SharedField.contact,), channel=ConsentChannel.phone
):
    return RecordConsent(NGO, answer, ConsentGiver.worker, channel, NOW, SENDING, fields)


def fold(events) -> Referral:
    state = Referral()
    for e in events:
        state = REFERRAL.evolve(state, e)
    return state


def history(*commands) -> list:
    events: list = []
    for command in commands:
        events += decide(command, fold(events))
    return events


def then(given, command) -> list:
    return decide(command, fold(given))


def refused(given, command) -> str:
    with pytest.raises(ReferralRefused) as caught:
        decide(command, fold(given))
    return caught.value.kind


def part(events):
    return fold(events).addressees[NGO]


CHOSEN = history(OPEN, SAFE, SELECT)
SENT = history(OPEN, SAFE, SELECT, consent())
IN_DANGER = history(OPEN, DANGER, SELECT)
PROPOSED = IN_DANGER + then(
    IN_DANGER, ProposeEmergency(NGO, "officer-1", EmergencyGrounds.threat_to_life)
)
EMERGENCY = PROPOSED + then(PROPOSED, ApproveEmergency(NGO, "officer-2", SENDING))


# Opening.


def test_a_recommended_referral_opens_with_its_suggestions_and_the_workers_first_indication():
    (opened,) = then([], OPEN)
    assert opened == ReferralOpened(
        case_id="case-1",
        grievance_id="g-1",
        category="identity_documents",
        country="BD",
        language="bn",
        reasons=("document_retention",),
        worker_indication=True,
        suggested=("nrm-bd", NGO),
    )
    assert refused([opened], OPEN) == "already-open"


def test_nothing_is_done_to_a_referral_that_was_never_opened():
    for command in (SAFE, SELECT, consent(), Withdraw(NGO), Acknowledge(NGO)):
        assert refused([], command) == "unknown-referral"


# Safety, then partners.


def test_the_safety_check_records_danger_and_who_must_not_learn_each_once():
    (checked,) = then(history(OPEN), SAFE)
    assert checked == SafetyChecked(
        imminent_danger=False, must_not_learn=(Party.employer, Party.recruiter)
    )
    assert fold([*history(OPEN), checked]).safety == checked


def test_partners_are_chosen_only_after_the_safety_check():
    assert refused(history(OPEN), SELECT) == "safety-check-first"


def test_choosing_a_partner_asks_for_consent_to_it_and_to_each_named_field():
    (selected,) = then(history(OPEN, SAFE), SELECT)
    assert selected == PartnerSelected(
        partner_id=NGO,
        partner_name="Safe Home",
        partner_kind=PartnerKind.shelter,
        fields=(SharedField.narrative, SharedField.contact),
        services=(Service.shelter, Service.legal_aid),
    )
    chosen = part(CHOSEN)
    assert (chosen.status, chosen.consent, chosen.readable()) == (
        Status.awaiting_consent,
        Consent.pending,
        (),
    )


def test_the_minimum_is_shared_by_default_with_no_personal_field():
    (selected,) = then(history(OPEN, SAFE), SelectPartner(NGO, SHELTER, (), (Service.shelter,)))
    assert selected.fields == ()


def test_choosing_is_refused_for_unknown_retired_or_chosen_partners_and_without_services():
    given = history(OPEN, SAFE)
    assert (
        refused(given, SelectPartner("nobody", None, (), (Service.shelter,))) == "unknown-partner"
    )
    retired = Candidate("Gone", PartnerKind.ngo, retired=True)
    assert refused(given, SelectPartner(NGO, retired, (), (Service.shelter,))) == "partner-retired"
    assert refused(given, SelectPartner(NGO, SHELTER, (), ())) == "no-services"
    assert refused(CHOSEN, SELECT) == "already-selected"


def test_a_partner_whose_referral_ended_may_be_chosen_again():
    declined = CHOSEN + then(CHOSEN, consent(ConsentAnswer.declined))
    assert then(declined, SELECT)[0].partner_id == NGO
    assert part(declined + then(declined, SELECT)).status is Status.awaiting_consent


# Consent.


def test_consent_sends_the_referral_with_the_consented_fields_and_a_due_acknowledgement():
    given, sent = then(CHOSEN, consent(channel=ConsentChannel.phone))
    assert given == ConsentGiven(
        partner_id=NGO,
        given_by=ConsentGiver.worker,
        channel=ConsentChannel.phone,
        given_at=NOW,
        fields=(SharedField.contact,),
    )
    assert sent == ReferralSent(
        partner_id=NGO,
        fields=(SharedField.contact,),
        services=(Service.shelter, Service.legal_aid),
        basis=Basis.consent,
        acknowledge_by=DUE,
    )
    assert part(SENT).readable() == (SharedField.contact,)
    assert part(SENT).status is Status.sent


def test_consent_to_a_field_not_asked_for_is_refused_and_consent_is_given_once():
    minimal = history(OPEN, SAFE, SelectPartner(NGO, SHELTER, (), (Service.shelter,)))
    assert refused(minimal, consent(fields=(SharedField.narrative,))) == "not-requested"
    assert refused(SENT, consent()) == "consent-answered"


def test_a_declined_consent_sends_nothing_and_the_worker_may_change_their_mind():
    (declined,) = then(CHOSEN, consent(ConsentAnswer.declined, ()))
    assert isinstance(declined, ConsentDeclined)
    after = [*CHOSEN, declined]
    assert part(after).status is Status.consent_declined and not part(after).sent
    assert refused(after, consent(ConsentAnswer.declined, ())) == "consent-answered"
    assert [type(e) for e in then(after, consent())] == [ConsentGiven, ReferralSent]


def test_revoking_consent_stops_the_partners_reads_and_its_answers():
    (revoked,) = then(SENT, consent(ConsentAnswer.revoked, ()))
    assert isinstance(revoked, ConsentRevoked)
    after = [*SENT, revoked]
    assert part(after).status is Status.revoked and part(after).readable() == ()
    assert refused(after, Acknowledge(NGO)) == "consent-revoked"
    assert refused(after, consent(ConsentAnswer.revoked, ())) == "nothing-to-revoke"
    assert refused(after, consent()) == "ended"


def test_revoking_before_anything_was_sent_is_declining():
    (declined,) = then(CHOSEN, consent(ConsentAnswer.revoked, ()))
    assert isinstance(declined, ConsentDeclined)


def test_consent_to_a_partner_never_chosen_is_refused():
    assert refused(history(OPEN, SAFE), consent()) == "not-selected"


# The emergency path.


def test_one_officer_alone_cannot_send_without_consent():
    assert isinstance(PROPOSED[-1], EmergencyReferralProposed)
    assert refused(PROPOSED, ApproveEmergency(NGO, "officer-1", SENDING)) == "same-officer"
    assert (
        refused(PROPOSED, ProposeEmergency(NGO, "officer-2", EmergencyGrounds.threat_to_life))
        == "already-proposed"
    )
    assert refused(IN_DANGER, ApproveEmergency(NGO, "officer-2", SENDING)) == "not-proposed"


def test_two_different_officers_send_an_emergency_referral_with_its_grounds():
    explanation = Sealed(key_id="grievance-g-1", ciphertext="c2VhbGVk")
    proposed = then(
        IN_DANGER, ProposeEmergency(NGO, "officer-1", EmergencyGrounds.threat_to_life, explanation)
    )
    assert proposed[0].explanation == explanation
    approved, sent = then([*IN_DANGER, *proposed], ApproveEmergency(NGO, "officer-2", SENDING))
    assert approved == EmergencyReferralApproved(
        partner_id=NGO,
        officer="officer-2",
        proposed_by="officer-1",
        grounds=EmergencyGrounds.threat_to_life,
    )
    assert sent.basis is Basis.emergency and sent.fields == SELECT.fields
    assert part(EMERGENCY).readable() == SELECT.fields


def test_an_emergency_needs_imminent_danger_and_an_unanswered_worker():
    assert refused(CHOSEN, ProposeEmergency(NGO, "o", EmergencyGrounds.threat_to_life)) == (
        "no-imminent-danger"
    )
    declined = IN_DANGER + then(IN_DANGER, consent(ConsentAnswer.declined, ()))
    assert refused(declined, ProposeEmergency(NGO, "o", EmergencyGrounds.threat_to_life)) == (
        "consent-declined"
    )
    calmer = PROPOSED + then(PROPOSED, CheckSafety(False))
    assert refused(calmer, ApproveEmergency(NGO, "officer-2", SENDING)) == "no-imminent-danger"
    assert refused(EMERGENCY, ApproveEmergency(NGO, "officer-3", SENDING)) == "already-sent"


@pytest.mark.parametrize("answer", [ConsentAnswer.declined, ConsentAnswer.revoked])
def test_choosing_a_partner_again_does_not_clear_the_workers_no_for_an_emergency(answer):
    """A worker who said no to a partner is asked again when it is chosen again; until they
    say yes, no emergency sends their narrative and contact to it over their answer."""
    grounds = EmergencyGrounds.threat_to_life
    if answer is ConsentAnswer.declined:
        said_no = IN_DANGER + then(IN_DANGER, consent(ConsentAnswer.declined, ()))
    else:  # agreed, was sent, then withdrew their agreement
        agreed = history(OPEN, DANGER, SELECT, consent())
        said_no = agreed + then(agreed, consent(ConsentAnswer.revoked, ()))
    again = said_no + then(said_no, SELECT)
    assert part(again).status is Status.awaiting_consent
    assert refused(again, ProposeEmergency(NGO, "officer-1", grounds)) == "consent-declined"
    # Asked again, the worker agrees: their yes is what stands now.
    agreed_now = again + then(again, consent())
    assert part(agreed_now).sent and not part(agreed_now).refused


def test_a_partner_retired_after_it_was_chosen_is_sent_nothing():
    """Consent or an emergency approval would send the worker's data to a partner that left
    the directory and cannot open it: refused, and the officer is told to choose another."""
    gone = replace(SENDING, retired=frozenset({NGO}))
    agreed = RecordConsent(NGO, ConsentAnswer.given, ConsentGiver.worker, ConsentChannel.phone,
                           NOW, gone, (SharedField.contact,))  # fmt: skip
    assert refused(CHOSEN, agreed) == "partner-retired"
    assert refused(PROPOSED, ApproveEmergency(NGO, "officer-2", gone)) == "partner-retired"
    # A no is still recorded, and so is a worker's narrowing of a referral already sent.
    declined = replace(agreed, answer=ConsentAnswer.declined, fields=())
    assert [type(e) for e in then(CHOSEN, declined)] == [ConsentDeclined]
    assert [type(e) for e in then(EMERGENCY, agreed)] == [ConsentGiven]


def test_after_an_emergency_the_workers_consent_narrows_and_their_refusal_stops_reads():
    (given,) = then(EMERGENCY, consent(fields=(SharedField.contact,)))
    assert part([*EMERGENCY, given]).readable() == (SharedField.contact,)
    (revoked,) = then(EMERGENCY, consent(ConsentAnswer.declined, ()))
    assert isinstance(revoked, ConsentRevoked)
    assert part([*EMERGENCY, revoked]).readable() == ()


# Withdrawal by the officer.


def test_the_officer_withdraws_a_referral_and_the_partner_can_do_no_more():
    (withdrawn,) = then(SENT, Withdraw(NGO))
    assert withdrawn == ReferralWithdrawn(partner_id=NGO)
    after = [*SENT, withdrawn]
    assert part(after).readable() == ()
    assert refused(after, Accept(NGO)) == "withdrawn"
    assert refused(after, Withdraw(NGO)) == "ended"


# The partner's answers.


def test_the_partner_acknowledges_accepts_provides_services_and_closes():
    acked = SENT + then(SENT, Acknowledge(NGO))
    assert acked[-1] == ReferralAcknowledged(partner_id=NGO)
    assert refused(acked, Acknowledge(NGO)) == "wrong-state"
    accepted = acked + then(acked, Accept(NGO))
    assert accepted[-1] == ReferralAccepted(partner_id=NGO)
    provided = then(accepted, ProvideServices(NGO, (Service.shelter, Service.shelter)))
    assert provided == [ServicesProvided(partner_id=NGO, services=(Service.shelter,))]
    closed = then(accepted + provided, Close(NGO, ReferralOutcome.services_completed))
    assert closed == [ReferralClosed(partner_id=NGO, outcome=ReferralOutcome.services_completed)]
    assert part(accepted + provided + closed).status is Status.closed
    assert part(accepted).readable() == (SharedField.contact,)
    assert part(accepted + provided + closed).readable() == ()  # its work for the worker is over
    assert refused(accepted + provided + closed, ProvideServices(NGO, (Service.shelter,))) == (
        "wrong-state"
    )


def test_accepting_without_acknowledging_first_is_an_acknowledgement():
    assert then(SENT, Accept(NGO)) == [ReferralAccepted(partner_id=NGO)]


def test_the_partner_declines_with_a_reason_and_can_then_only_be_replaced():
    (declined,) = then(SENT, Decline(NGO, DeclineReason.no_capacity))
    assert declined == ReferralDeclined(partner_id=NGO, reason=DeclineReason.no_capacity)
    after = [*SENT, declined]
    assert part(after).readable() == ()
    assert refused(after, Accept(NGO)) == "wrong-state"
    assert refused(after, Close(NGO, ReferralOutcome.other)) == "wrong-state"


def test_services_and_closing_wait_for_acceptance():
    assert refused(SENT, ProvideServices(NGO, (Service.shelter,))) == "wrong-state"
    assert refused(SENT, Close(NGO, ReferralOutcome.other)) == "wrong-state"


def test_a_partner_answering_out_of_turn_is_told_what_it_may_do_now():
    def said(given, command) -> str:
        with pytest.raises(ReferralRefused) as caught:
            decide(command, fold(given))
        return str(caught.value)

    assert said(SENT, Close(NGO, ReferralOutcome.other)) == (
        "the referral is sent: you may acknowledge, accept or decline it"
    )
    acked = SENT + then(SENT, Acknowledge(NGO))
    assert said(acked, Acknowledge(NGO)).endswith("you may accept or decline it")
    declined = SENT + then(SENT, Decline(NGO, DeclineReason.no_capacity))
    assert said(declined, Accept(NGO)).endswith("your part of it has ended")


def test_a_referral_never_sent_to_the_partner_does_not_exist_for_it():
    assert refused(CHOSEN, Acknowledge(NGO)) == "not-sent"
    assert refused(SENT, Acknowledge("another-ngo")) == "not-sent"
    assert ReferralRefused("not-sent", "").status == 404


# The acknowledgement time frame.


def test_a_referral_not_acknowledged_in_time_is_overdue_once():
    (overdue,) = then(SENT, MissAcknowledgement(NGO, DUE))
    assert overdue == ReferralOverdue(partner_id=NGO, acknowledge_by=DUE)
    assert part([*SENT, overdue]).overdue
    assert then([*SENT, overdue], MissAcknowledgement(NGO, DUE)) == []


def test_an_acknowledged_ended_or_resent_referral_is_not_overdue():
    acked = SENT + then(SENT, Acknowledge(NGO))
    assert then(acked, MissAcknowledgement(NGO, DUE)) == []
    revoked = SENT + then(SENT, consent(ConsentAnswer.revoked, ()))
    assert then(revoked, MissAcknowledgement(NGO, DUE)) == []
    assert then(SENT, MissAcknowledgement(NGO, DUE - timedelta(hours=1))) == []
    assert then(CHOSEN, MissAcknowledgement(NGO, DUE)) == []
