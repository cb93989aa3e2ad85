"""Given a directory's events, when a command, then events or a refusal; and the ranking of
partners suggested for a referral. Pure, no I/O."""

from datetime import UTC, datetime, timedelta

import pytest

from redress.events.catalogue.partner import (
    DeadLetterRedelivered,
    DeadLetterSkipped,
    PartnerKind,
    PartnerRegistered,
    PartnerRetired,
    ReferralTimeFrameSet,
    Service,
    WebhookEndpointAdded,
    WebhookEndpointEnabled,
    WebhookEndpointRemoved,
    WebhookSecretRotated,
)
from redress.referral.directory import DIRECTORY, Directory, DirectoryRefused, decide
from redress.referral.directory_commands import (
    AddEndpoint,
    EnableEndpoint,
    Letter,
    RedeliverDeadLetter,
    RegisterPartner,
    RemoveEndpoint,
    RetirePartner,
    RotateSecret,
    SetAcknowledgeHours,
    SkipDeadLetter,
)
from redress.referral.ranking import Case, suggest

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NGO = RegisterPartner(
    "ngo-1",
    " Safe Home ",
    PartnerKind.shelter,
    ("BD", "BD"),
    ("document_retention",),
    ("identity_documents",),
    ("bn", "en"),
    (Service.shelter,),
    "intake@safehome.example",
)
HOOK = AddEndpoint("ngo-1", "ep-1", "https://hooks.safehome.example/redress", "s1")


def fold(events) -> Directory:
    state = Directory()
    for e in events:
        state = DIRECTORY.evolve(state, e)
    return state


def history(*commands) -> list:
    events: list = []
    for command in commands:
        events += decide(command, fold(events))
    return events


def refused(given, command) -> str:
    with pytest.raises(DirectoryRefused) as caught:
        decide(command, fold(given))
    return caught.value.kind


def test_a_partner_is_registered_tidied_and_registering_it_again_unchanged_records_nothing():
    (card,) = history(NGO)
    assert card == PartnerRegistered(
        partner_id="ngo-1",
        name="Safe Home",
        kind=PartnerKind.shelter,
        countries=("BD",),
        indicators=("document_retention",),
        categories=("identity_documents",),
        languages=("bn", "en"),
        services=(Service.shelter,),
        contact="intake@safehome.example",
    )
    assert decide(NGO, fold([card])) == []
    renamed = decide(
        RegisterPartner("ngo-1", "Safe Home BD", PartnerKind.shelter, ("BD",)), fold([card])
    )
    assert renamed[0].name == "Safe Home BD"


def test_a_partner_names_countries_and_only_known_codes():
    assert refused([], RegisterPartner("x", "X", PartnerKind.ngo, ())) == "no-countries"
    assert refused([], RegisterPartner("x", " ", PartnerKind.ngo, ("BD",))) == "blank-name"
    for bad, kind in ((("trafficking",), "unknown-indicators"),):
        assert refused([], RegisterPartner("x", "X", PartnerKind.ngo, ("BD",), bad)) == kind
    assert refused([], RegisterPartner("x", "X", PartnerKind.ngo, ("BD",), (), ("sports",))) == (
        "unknown-categories"
    )
    assert refused([], RegisterPartner("x", "X", PartnerKind.ngo, ("BD",), (), (), ("xx",))) == (
        "unknown-languages"
    )


def test_a_retired_partner_stays_retired_and_takes_no_endpoint():
    retired = history(NGO, RetirePartner("ngo-1"))
    assert retired[-1] == PartnerRetired(partner_id="ngo-1")
    assert decide(RetirePartner("ngo-1"), fold(retired)) == []
    assert refused(retired, HOOK) == "partner-retired"
    assert refused(retired, NGO) == "partner-retired"
    assert fold(retired).active() == []


def test_commands_on_an_unknown_partner_or_endpoint_are_refused():
    assert refused([], RetirePartner("nobody")) == "unknown-partner"
    assert refused(history(NGO), RemoveEndpoint("ngo-1", "ep-9")) == "unknown-endpoint"


def test_an_endpoint_is_https_names_a_host_and_no_credentials():
    given = history(NGO)
    for url in (
        "http://hooks.example/x",
        "ftp://hooks.example",
        "https://user:pw@hooks.example",
        "https:///path",
        "https://hooks.example:port/x",
        "https://h.example/#frag",
    ):
        assert refused(given, AddEndpoint("ngo-1", "ep-1", url, "s1")) == "bad-url", url
    plain = AddEndpoint("ngo-1", "ep-1", "http://127.0.0.1:9000/hook", "s1", plain_http=True)
    assert decide(plain, fold(given))[0].url == "http://127.0.0.1:9000/hook"


def test_an_endpoint_records_its_secret_id_not_a_secret_and_is_added_once():
    added = history(NGO, HOOK)
    assert added[-1] == WebhookEndpointAdded(
        partner_id="ngo-1", endpoint_id="ep-1", url=HOOK.url, secret_id="s1"
    )
    assert "whsec" not in added[-1].model_dump_json()
    assert refused(added, HOOK) == "endpoint-exists"
    # Another endpoint at the same address would be sent every webhook a second time.
    assert refused(added, AddEndpoint("ngo-1", "ep-2", HOOK.url, "s2")) == "url-registered"
    many = history(NGO, *(AddEndpoint("ngo-1", f"ep-{i}", f"{HOOK.url}/{i}", f"s{i}")
                          for i in range(5)))  # fmt: skip
    assert refused(many, AddEndpoint("ngo-1", "ep-6", f"{HOOK.url}/6", "s6")) == (
        "too-many-endpoints"
    )


def test_during_a_rotation_both_secrets_sign_until_the_overlap_ends():
    rotate = RotateSecret("ngo-1", "ep-1", "s2", NOW, timedelta(hours=24))
    events = history(NGO, HOOK, rotate)
    assert events[-1] == WebhookSecretRotated(
        partner_id="ngo-1",
        endpoint_id="ep-1",
        secret_id="s2",
        previous_secret_id="s1",
        previous_until=NOW + timedelta(hours=24),
    )
    endpoint = fold(events).partners["ngo-1"].endpoints["ep-1"]
    assert endpoint.signing(NOW) == ("s1", "s2")
    assert endpoint.signing(NOW + timedelta(hours=24)) == ("s2",)
    again = history(NGO, HOOK, rotate, RotateSecret("ngo-1", "ep-1", "s3", NOW, timedelta(0)))
    assert fold(again).partners["ngo-1"].endpoints["ep-1"].signing(NOW) == ("s1", "s3")
    too_long = RotateSecret("ngo-1", "ep-1", "s2", NOW, timedelta(days=8))
    assert refused(history(NGO, HOOK), too_long) == "bad-overlap"


def test_an_endpoint_removed_signs_nothing_more():
    removed = history(NGO, HOOK, RemoveEndpoint("ngo-1", "ep-1"))
    assert removed[-1] == WebhookEndpointRemoved(partner_id="ngo-1", endpoint_id="ep-1")
    assert fold(removed).partners["ngo-1"].endpoints == {}


def test_the_only_endpoint_with_webhooks_waiting_is_not_removed_until_another_takes_them():
    waiting = RemoveEndpoint("ngo-1", "ep-1", waiting=3)
    assert refused(history(NGO, HOOK), waiting) == "deliveries-waiting"
    moved = AddEndpoint("ngo-1", "ep-2", "https://new.safehome.example/redress", "s2")
    assert history(NGO, HOOK, moved, waiting)[-1] == WebhookEndpointRemoved(
        partner_id="ngo-1", endpoint_id="ep-1"
    )


def test_the_acknowledgement_time_frame_defaults_to_72_hours_and_is_set_in_bounds():
    assert Directory().acknowledge_hours == 72
    assert decide(SetAcknowledgeHours(72), Directory()) == []
    assert decide(SetAcknowledgeHours(48), Directory()) == [
        ReferralTimeFrameSet(acknowledge_hours=48)
    ]
    for hours in (0, 721):
        assert refused([], SetAcknowledgeHours(hours)) == "bad-hours"


def test_an_endpoint_the_delivery_disabled_is_enabled_again_and_only_then():
    given = history(NGO, HOOK)
    assert decide(EnableEndpoint("ngo-1", "ep-1", disabled=True), fold(given)) == [
        WebhookEndpointEnabled(partner_id="ngo-1", endpoint_id="ep-1")
    ]
    assert refused(given, EnableEndpoint("ngo-1", "ep-1", disabled=False)) == "endpoint-enabled"
    assert refused(given, EnableEndpoint("ngo-1", "ep-9", disabled=True)) == "unknown-endpoint"
    assert refused(given, EnableEndpoint("ngo-9", "ep-1", disabled=True)) == "unknown-partner"
    # Enabling changes nothing the directory knows of the endpoint (its URL, its secrets).
    enabled = [*given, *decide(EnableEndpoint("ngo-1", "ep-1", True), fold(given))]
    assert fold(enabled) == fold(given)


LETTER = Letter(7, "msg_abc", "org.redress.referral.sent", "referral-1", dead=True)


@pytest.mark.parametrize(
    ("command", "recorded"),
    [(RedeliverDeadLetter, DeadLetterRedelivered), (SkipDeadLetter, DeadLetterSkipped)],
)
def test_a_dead_letter_is_redelivered_or_skipped_while_it_is_one(command, recorded):
    given = history(NGO, HOOK)
    assert decide(command("ngo-1", "ep-1", LETTER), fold(given)) == [
        recorded(partner_id="ngo-1", endpoint_id="ep-1", delivery_id=7, webhook_id="msg_abc",
                 event_type="org.redress.referral.sent", subject="referral-1")
    ]  # fmt: skip
    alive = Letter(7, "msg_abc", "org.redress.referral.sent", "referral-1", dead=False)
    assert refused(given, command("ngo-1", "ep-1", alive)) == "not-dead"
    assert refused(given, command("ngo-1", "ep-9", LETTER)) == "unknown-endpoint"
    assert DirectoryRefused("not-dead", "").status == 409
    assert DirectoryRefused("unknown-delivery", "").status == 404


# Ranking.


def partner(pid, kind, countries, indicators=(), languages=(), name=None, categories=()):
    return RegisterPartner(pid, name or pid, kind, countries, indicators, categories, languages)


DIRECTORY_BD = history(
    partner("legal", PartnerKind.legal_aid, ("BD",), ("document_retention",), ("en",)),
    partner("nrm-bd", PartnerKind.national_referral_mechanism, ("BD",)),
    partner(
        "nrm-kh", PartnerKind.national_referral_mechanism, ("KH",), ("document_retention",), ("bn",)
    ),
    partner("shelter", PartnerKind.shelter, ("BD",), ("document_retention",), ("bn",)),
    partner("union", PartnerKind.trade_union, ("BD",), languages=("bn",)),
    partner("gone", PartnerKind.ngo, ("BD",), ("document_retention",), ("bn",)),
    RetirePartner("gone"),
)


def ranked(reasons, country="BD", language="bn", category="wages_and_benefits") -> list[str]:
    case = Case(country, reasons, category, language)
    return [s.partner_id for s in suggest(fold(DIRECTORY_BD).partners.values(), case)]


def test_for_trafficking_the_countrys_national_referral_mechanism_comes_first():
    assert ranked(("document_retention",)) == ["nrm-bd", "shelter", "legal", "union", "nrm-kh"]


def test_indicators_handled_rank_before_the_language_and_the_country_before_both():
    # legal handles the indicator in English, union speaks Bengali only: legal first; nrm-kh
    # handles it in Bengali, but serves another country.
    ranking = ranked(("document_retention",))
    assert ranking.index("legal") < ranking.index("union") < ranking.index("nrm-kh")


def test_child_labour_alone_puts_no_mechanism_first_and_the_workers_language_ranks():
    assert ranked(("child_labour",)) == ["shelter", "union", "legal", "nrm-bd", "nrm-kh"]


def test_a_category_handled_counts_as_handling_the_case_and_the_why_is_said():
    case = Case("BD", ("child_labour",), "identity_documents", "en")
    plain = history(
        partner("docs", PartnerKind.legal_aid, ("BD",), categories=("identity_documents",)),
        partner("other", PartnerKind.legal_aid, ("BD",)),
    )
    first, second = suggest(fold(plain).partners.values(), case)
    assert (first.partner_id, first.why) == (
        "docs",
        ("serves_country", "handles:identity_documents"),
    )
    assert (second.partner_id, second.why) == ("other", ("serves_country",))


def test_a_worker_of_unknown_country_is_suggested_partners_by_what_they_handle():
    assert ranked(("document_retention",), country=None)[:2] == ["nrm-kh", "shelter"]
