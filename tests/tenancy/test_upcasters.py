"""Tenant events of schema version 1 read as version 2, through the catalogue's upcasters."""

import json

from redress.events.catalogue import load, load_json
from redress.events.catalogue.tenant import (
    EVERY_LANGUAGE_OF_VERSION_1,
    AlertRecipientsSet,
    SiteRegistered,
    TenantRegistered,
)
from redress.kit.i18n import LANGUAGES


def test_a_site_of_version_1_has_its_one_member_as_a_list():
    v1 = {"site_id": "dhaka-1", "name": "Dhaka Knit", "country": "BD", "member_org": "acme"}
    site = load("SiteRegistered", 1, v1)
    assert site == SiteRegistered(site_id="dhaka-1", name="Dhaka Knit", country="BD",
                                  member_orgs=("acme",))  # fmt: skip
    assert (site.sector, site.tier, site.sole_member) == (None, None, "acme")


def test_an_unclaimed_site_of_version_1_has_no_members():
    v1 = {"site_id": "pp-2", "name": "Phnom Penh", "country": "KH", "member_org": None}
    assert load_json("SiteRegistered", 1, json.dumps(v1)).member_orgs == ()
    no_field = {"site_id": "pp-2", "name": "Phnom Penh", "country": "KH"}
    assert load("SiteRegistered", 1, no_field).member_orgs == ()


def test_a_tenant_of_version_1_runs_on_utc_monday_to_friday_in_every_language_of_then():
    tenant = load("TenantRegistered", 1, {"name": "Old MSI"})
    assert tenant == TenantRegistered(name="Old MSI", time_zone="UTC",
                                      working_days=(0, 1, 2, 3, 4),
                                      languages=EVERY_LANGUAGE_OF_VERSION_1)  # fmt: skip
    # The languages added since are the platform's, not offered to it unasked.
    assert set(tenant.languages) < set(LANGUAGES) and "ta" not in tenant.languages


def test_version_2_reads_as_written():
    site = SiteRegistered(site_id="s", name="S", country="BD", member_orgs=("a", "b"), tier=2)
    assert load_json("SiteRegistered", 2, site.model_dump_json()) == site


def test_alert_recipients_of_version_1_name_no_admins_and_version_2_reads_as_written():
    v1 = {"officers": ["o@msi.example"], "supervisors": ["head@msi.example"]}
    old = load_json("AlertRecipientsSet", 1, json.dumps(v1))
    assert old == AlertRecipientsSet(officers=("o@msi.example",),
                                     supervisors=("head@msi.example",), admins=())  # fmt: skip
    new = AlertRecipientsSet(officers=("o@msi.example",), admins=("root@msi.example",))
    assert load_json("AlertRecipientsSet", 2, new.model_dump_json()) == new
