"""Given a tenant's events, when a command, then events or a refusal: pure, no servers."""

import pytest

from redress.events.catalogue.tenant import (
    AlertRecipientsSet,
    FollowUpSet,
    HotlineSet,
    MemberOrganisationJoined,
    MinimumCountSet,
    RetentionPeriodSet,
    SiteRegistered,
    TenantOffboarded,
    TenantRegistered,
    TenantSettingsChanged,
    TimeFramesSet,
)
from redress.tenancy.domain import (
    AdmitMember,
    ChangeSettings,
    Offboard,
    RegisterSite,
    RegisterTenant,
    SetFollowUp,
    SetMinimumCount,
    SetRetention,
    SetTimeFrames,
    decide,
)
from redress.tenancy.hotline import SetHotline
from redress.tenancy.recipients import SetAlertRecipients
from redress.tenancy.tenant import TenantRefused, export, fold, may_file

REGISTERED = TenantRegistered(name="Acme MSI", time_zone="Asia/Dhaka", languages=("en", "bn"))
MEMBERS = [
    MemberOrganisationJoined(org="acme-apparel", name="Acme Apparel"),
    MemberOrganisationJoined(org="globex", name="Globex Garments"),
]
SHARED = SiteRegistered(
    site_id="dhaka-1",
    name="Dhaka Knit",
    country="BD",
    member_orgs=("acme-apparel", "globex"),
    sector="garments",
    tier=1,
)


def given(*events):
    return fold("acme-msi", events)


def refused(command, state) -> str:
    with pytest.raises(TenantRefused) as exc:
        decide(command, state)
    return exc.value.kind


def test_registering_a_tenant_records_its_settings():
    command = RegisterTenant("acme-msi", "Acme MSI", "Asia/Dhaka", (4, 0, 1, 1), ("en", "bn"))
    assert decide(command, given()) == [
        TenantRegistered(name="Acme MSI", time_zone="Asia/Dhaka", working_days=(0, 1, 4),
                         languages=("en", "bn"))
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        (RegisterTenant("Acme MSI!", "Acme"), "bad-slug"),
        (RegisterTenant("acme-msi", "  "), "blank-name"),
        (RegisterTenant("acme-msi", "Acme", time_zone="Mars/Olympus"), "unknown-time-zone"),
        (RegisterTenant("acme-msi", "Acme", time_zone="../etc/passwd"), "unknown-time-zone"),
        (RegisterTenant("acme-msi", "Acme", time_zone="Asia"), "unknown-time-zone"),
        (RegisterTenant("acme-msi", "Acme", languages=("en", "xx")), "unknown-language"),
        (RegisterTenant("acme-msi", "Acme", languages=()), "no-languages"),
        (RegisterTenant("acme-msi", "Acme", working_days=(7,)), "bad-working-days"),
        (RegisterTenant("acme-msi", "Acme", working_days=()), "bad-working-days"),
    ],
)
def test_an_invalid_registration_is_refused_with_its_kind(command, kind):
    assert refused(command, given()) == kind


def test_a_tenant_is_registered_once():
    assert refused(RegisterTenant("acme-msi", "Again"), given(REGISTERED)) == "tenant-exists"


def test_commands_on_an_unknown_tenant_are_refused():
    assert refused(AdmitMember("acme-apparel", "Acme"), given()) == "unknown-tenant"


def test_settings_change_once_and_a_repeat_changes_nothing():
    change = ChangeSettings("Acme MSI", "Asia/Phnom_Penh", (0, 1, 2, 3, 4, 5), ("km", "en"))
    (changed,) = decide(change, given(REGISTERED))
    assert changed == TenantSettingsChanged(
        name="Acme MSI",
        time_zone="Asia/Phnom_Penh",
        working_days=(0, 1, 2, 3, 4, 5),
        languages=("km", "en"),
    )
    assert decide(change, given(REGISTERED, changed)) == []
    bad = ChangeSettings("Acme MSI", "Asia/Phnom_Penh", (0,), ("tlh",))
    assert refused(bad, given(REGISTERED)) == "unknown-language"


def test_a_site_may_be_shared_by_several_members_with_a_sector_and_tier():
    command = RegisterSite("dhaka-1", "Dhaka Knit", "BD", ("acme-apparel", "globex"),
                           "garments", 1)  # fmt: skip
    assert decide(command, given(REGISTERED, *MEMBERS)) == [SHARED]
    assert decide(command, given(REGISTERED, *MEMBERS, SHARED)) == []  # the same again
    assert SHARED.sole_member is None


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        (RegisterSite("dhaka-1", "Dhaka Knit", "BD", ("initech",)), "unknown-member"),
        (RegisterSite("dhaka-1", "Dhaka Knit", "BD", ("globex", "globex")), "duplicate-member"),
        (RegisterSite("other", "dhaka knit", "BD"), "duplicate-site"),
        (RegisterSite("Bad Id", "Elsewhere", "BD"), "bad-site-id"),
        (RegisterSite("x-1", " ", "BD"), "blank-name"),
    ],
)
def test_an_invalid_site_is_refused_with_its_kind(command, kind):
    assert refused(command, given(REGISTERED, *MEMBERS, SHARED)) == kind


def test_a_member_joins_once_and_may_be_renamed():
    state = given(REGISTERED, MEMBERS[0])
    assert decide(AdmitMember("acme-apparel", "Acme Apparel"), state) == []
    renamed = MemberOrganisationJoined(org="acme-apparel", name="Acme Apparel Group")
    assert decide(AdmitMember("acme-apparel", "Acme Apparel Group"), state) == [renamed]
    assert refused(AdmitMember("Not An Id", "X"), state) == "bad-org"


def test_time_frames_and_retention_record_only_a_change():
    state = given(REGISTERED)
    assert decide(SetTimeFrames(7, 90, 45), state) == []  # the defaults
    frames = TimeFramesSet(acknowledge_days=5, feedback_days=60, plan_days=30)
    assert decide(SetTimeFrames(5, 60, 30), state) == [frames]
    assert decide(SetRetention(None), state) == []
    assert decide(SetRetention(365), state) == [RetentionPeriodSet(days=365)]
    assert decide(SetRetention(365), given(REGISTERED, RetentionPeriodSet(days=365))) == []


def test_the_minimum_count_is_5_until_set_and_never_below_3():
    state = given(REGISTERED)
    assert state.minimum_count == 5
    assert decide(SetMinimumCount(5), state) == []  # the default already
    assert decide(SetMinimumCount(3), state) == [MinimumCountSet(k=3)]
    assert given(REGISTERED, MinimumCountSet(k=8)).minimum_count == 8
    assert decide(SetMinimumCount(8), given(REGISTERED, MinimumCountSet(k=8))) == []
    assert refused(SetMinimumCount(2), state) == "k-too-low"
    assert refused(SetMinimumCount(0), state) == "k-too-low"
    assert refused(SetMinimumCount(1001), state) == "k-too-high"
    assert refused(SetMinimumCount(5), given()) == "unknown-tenant"


def test_alert_recipients_are_addresses_each_once_recorded_only_on_a_change():
    state = given(REGISTERED)
    command = SetAlertRecipients(("a@msi.example", "A@msi.example", "b@msi.example"),
                                 ("head@msi.example",))  # fmt: skip
    chosen = AlertRecipientsSet(officers=("a@msi.example", "b@msi.example"),
                                supervisors=("head@msi.example",))  # fmt: skip
    assert decide(command, state) == [chosen]
    assert given(REGISTERED, chosen).alert_recipients == chosen
    assert decide(command, given(REGISTERED, chosen)) == []
    assert decide(SetAlertRecipients(), state) == []  # nobody, as before
    admins = SetAlertRecipients(command.officers, command.supervisors,
                                ("root@msi.example", "ROOT@msi.example"))  # fmt: skip
    [with_admins] = decide(admins, given(REGISTERED, chosen))
    assert with_admins.admins == ("root@msi.example",)
    assert with_admins.officers == chosen.officers
    # A role not named keeps its addresses; an empty one names nobody.
    [officers_only] = decide(SetAlertRecipients(officers=("c@msi.example",)),
                             given(REGISTERED, chosen, with_admins))  # fmt: skip
    assert officers_only == AlertRecipientsSet(officers=("c@msi.example",),
                                               supervisors=("head@msi.example",),
                                               admins=("root@msi.example",))  # fmt: skip
    [nobody] = decide(SetAlertRecipients(admins=()), given(REGISTERED, chosen, with_admins))
    assert (nobody.officers, nobody.admins) == (chosen.officers, ())
    for bad in (
        "officer",
        "a@b",
        "Ann <a@msi.example>",
        " a@msi.example",
        "a@msi.example\n",
        "a b@msi.example",
        "a@msi..example",
        "x" * 250 + "@msi.example",
    ):
        assert refused(SetAlertRecipients((bad,)), state) == "bad-email", bad
        assert refused(SetAlertRecipients((), (bad,)), state) == "bad-email", bad
        assert refused(SetAlertRecipients((), (), (bad,)), state) == "bad-email", bad
    many = tuple(f"o{i}@msi.example" for i in range(51))
    assert refused(SetAlertRecipients(many), state) == "too-many-recipients"
    assert refused(SetAlertRecipients((), (), many), state) == "too-many-recipients"
    assert refused(SetAlertRecipients(("a@msi.example",)), given()) == "unknown-tenant"


def test_an_offboarded_tenant_takes_no_commands_and_no_filings():
    state = given(REGISTERED, *MEMBERS, SHARED, TenantOffboarded())
    assert refused(AdmitMember("initech", "Initech"), state) == "tenant-offboarded"
    assert refused(Offboard(), state) == "tenant-offboarded"
    with pytest.raises(TenantRefused) as exc:
        may_file(state, None, None)
    assert exc.value.kind == "tenant-offboarded"


def test_each_member_of_a_shared_site_may_file_about_it_and_no_other_member():
    state = given(REGISTERED, *MEMBERS, MemberOrganisationJoined(org="initech", name="I"), SHARED)
    for member in ("acme-apparel", "globex", None):
        may_file(state, "dhaka-1", member)
    with pytest.raises(TenantRefused) as exc:
        may_file(state, "dhaka-1", "initech")
    assert exc.value.kind == "site-of-another-member"
    with pytest.raises(TenantRefused) as exc:
        may_file(state, "nowhere", None)
    assert exc.value.kind == "unknown-site"


def test_export_is_the_tenants_state_as_json():
    exported = export(given(REGISTERED, *MEMBERS, SHARED, RetentionPeriodSet(days=30)))
    assert exported["name"] == "Acme MSI"
    assert exported["languages"] == ["en", "bn"]
    assert [m["org"] for m in exported["members"]] == ["acme-apparel", "globex"]
    assert exported["sites"][0]["member_orgs"] == ["acme-apparel", "globex"]
    assert exported["retention_days"] == 30
    assert exported["minimum_count"] == 5
    assert exported["offboarded"] is False


def test_follow_up_records_a_change_within_its_bounds_and_folds_into_the_tenant():
    tenant = given(REGISTERED)
    assert tenant.follow_up == FollowUpSet()  # three calls, a day apart; check in at 30 days
    assert decide(SetFollowUp(), tenant) == []  # the defaults again change nothing
    changed = decide(SetFollowUp(callback_attempts=5, callback_retry_days=2, check_in_days=14),
                     tenant)  # fmt: skip
    assert changed == [FollowUpSet(callback_attempts=5, callback_retry_days=2, check_in_days=14)]
    folded = given(REGISTERED, *changed)
    assert folded.follow_up.callback_attempts == 5 and folded.follow_up.check_in_days == 14
    assert export(folded)["follow_up"] == {"callback_attempts": 5, "callback_retry_days": 2,
                                           "check_in_days": 14}  # fmt: skip


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        (SetFollowUp(callback_attempts=0), "bad-attempts"),
        (SetFollowUp(callback_attempts=11), "bad-attempts"),
        (SetFollowUp(callback_retry_days=0), "bad-retry-days"),
        (SetFollowUp(callback_retry_days=31), "bad-retry-days"),
        (SetFollowUp(check_in_days=0), "bad-check-in-days"),
        (SetFollowUp(check_in_days=366), "bad-check-in-days"),
    ],
)
def test_follow_up_out_of_bounds_is_refused_with_its_kind(command, kind):
    assert refused(command, given(REGISTERED)) == kind


def test_a_site_and_a_country_that_contradict_each_other_are_refused_and_a_site_gives_its_country():
    state = given(REGISTERED, *MEMBERS, SHARED)
    with pytest.raises(TenantRefused) as exc:
        may_file(state, "dhaka-1", "globex", "KH")  # a site in Bangladesh
    assert exc.value.kind == "site-in-another-country"
    assert exc.value.status == 422
    assert "'dhaka-1' is in BD, not in KH" in exc.value.detail
    assert may_file(state, "dhaka-1", "globex", None) == "BD"
    assert may_file(state, "dhaka-1", None, "BD") == "BD"
    assert may_file(state, None, None, "KH") == "KH"


def test_the_hotline_is_recorded_as_written_only_on_a_change_and_blank_gives_none():
    tenant = given(REGISTERED)
    assert tenant.hotline is None and export(tenant)["hotline"] is None
    changed = decide(SetHotline("  +880 9612-345678 "), tenant)
    assert changed == [HotlineSet(number="+880 9612-345678")]
    folded = given(REGISTERED, *changed)
    assert folded.hotline == "+880 9612-345678" == export(folded)["hotline"]
    assert decide(SetHotline("+880 9612-345678"), folded) == []  # the same again
    assert decide(SetHotline("16357"), folded) == [HotlineSet(number="16357")]  # a short code
    assert decide(SetHotline("١٦٣٥٧"), folded) == [HotlineSet(number="16357")]
    assert decide(SetHotline("   "), folded) == [HotlineSet(number=None)]
    assert decide(SetHotline(None), tenant) == []


@pytest.mark.parametrize(
    "number", ["12", "+", "call 16357", "+880--9612", "1234567890123456", "(880) 9612", "৯৯"]
)
def test_a_hotline_that_is_no_number_is_refused(number):
    assert refused(SetHotline(number), given(REGISTERED)) == "bad-hotline"
