"""Upcasters of the catalogue: old payloads are read as the current schema version."""

from __future__ import annotations

import json

import pytest

from redress.events import catalogue
from redress.events.catalogue.case import CaseTriaged, ReferralRecommended
from redress.events.catalogue.grievance_answers import ReferralConsentAnswered
from redress.events.catalogue.indicators import ALIASES, BY_CODE, canonical


def test_triage_of_version_1_is_read_in_the_one_indicator_vocabulary():
    raw = {"case_id": "case-1", "severity": "critical", "override_reason": None,
           "indicators": ["isolation", "retention_of_identity_documents", "document_retention",
                          "restriction_of_movement", "withholding_of_wages"]}  # fmt: skip
    assert CaseTriaged.schemaversion == 2
    for read in (catalogue.load("CaseTriaged", 1, raw),
                 catalogue.load_json("CaseTriaged", 1, json.dumps(raw))):  # fmt: skip
        assert read.indicators == (
            "isolation",
            "document_retention",
            "restricted_movement",
            "withheld_wages",
        )
    current = catalogue.load("CaseTriaged", 2, raw | {"indicators": ["isolation"]})
    assert current.indicators == ("isolation",)


def test_referral_reasons_of_version_1_are_read_in_the_one_vocabulary():
    raw = {"case_id": "case-1", "reasons": ["withholding_of_wages", "child_labour"]}
    assert ReferralRecommended.schemaversion == 2
    read = catalogue.load("ReferralRecommended", 1, raw)
    assert read.reasons == ("withheld_wages", "child_labour")


def test_every_alias_names_an_indicator_of_the_vocabulary_and_is_none_itself():
    assert all(code in BY_CODE and alias not in BY_CODE for alias, code in ALIASES.items())
    assert canonical(["forced_labour", "deception"]) == ("forced_labour", "deception")


def test_a_version_newer_than_the_catalogue_is_refused_not_read_as_the_current_one():
    raw = {"case_id": "c", "grievance_id": "g", "category": "other", "country": "BD"}
    assert catalogue.load("CaseOpened", 2, raw).country == "BD"
    for read in (lambda: catalogue.load("CaseOpened", 3, raw),
                 lambda: catalogue.load_json("CaseOpened", 3, json.dumps(raw))):  # fmt: skip
        with pytest.raises(catalogue.UnknownSchemaVersion, match="CaseOpened schema version 3 "
                           r"is newer than this build reads \(up to 2\)"):  # fmt: skip
            read()


def test_a_version_with_no_upcaster_is_refused():
    with pytest.raises(catalogue.UnknownSchemaVersion, match="StageEntered schema version 0 "
                       "has no upcaster to v1"):  # fmt: skip
        catalogue.load_json("StageEntered", 0, '{"case_id": "c"}')


def test_every_version_before_the_current_one_has_its_upcaster():
    for name, cls in catalogue.known_types().items():
        for version in range(1, cls.schemaversion):
            assert (name, version) in catalogue._upcasters, (name, version)


def test_a_consent_answer_of_version_1_was_given_on_the_status_page():
    raw = {"grievance_id": "g", "referral_id": "referral-case-g", "partner_id": "safe-home",
           "answer": "given", "fields": ["contact"]}  # fmt: skip
    assert ReferralConsentAnswered.schemaversion == 2
    for read in (catalogue.load("ReferralConsentAnswered", 1, raw),
                 catalogue.load_json("ReferralConsentAnswered", 1, json.dumps(raw))):  # fmt: skip
        assert (read.channel, read.fields) == ("web", ("contact",))
    by_phone = catalogue.load("ReferralConsentAnswered", 2, raw | {"channel": "hotline"})
    assert by_phone.channel == "hotline"
