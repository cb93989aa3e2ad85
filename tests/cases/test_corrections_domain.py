"""Given a case, when an officer corrects what its grievance was filed as, then a correction
of what differs, or a refusal; triage then weighs the corrected category. Pure."""

import pytest

from redress.cases import corrections as c
from redress.cases.domain import CaseRefused, Severity, Triage, decide, fold
from redress.events.catalogue.case import GrievanceCorrected, ReferralRecommended
from tests.cases.test_domain import OPENED

# OPENED: a wages_and_benefits grievance from BD, no site, in English.


def refused(given: list, command: c.Correct) -> str:
    with pytest.raises(CaseRefused) as caught:
        c.decide(command, given)
    return caught.value.kind


def test_a_correction_records_only_what_differs_with_its_reason():
    command = c.Correct("Sent by SMS: it is about child labour", category="child_labour",
                        country="BD", language="bn")  # fmt: skip
    assert c.decide(command, OPENED) == [
        GrievanceCorrected(case_id="case-1", grievance_id="g", category="child_labour",
                           language="bn", reason="Sent by SMS: it is about child labour")
    ]  # fmt: skip


def test_a_corrected_site_brings_its_member_or_none():
    to_member = c.decide(c.Correct("Named the mill", site_id="mill-2", member_org="acme"), OPENED)
    assert (to_member[0].site_id, to_member[0].member_org) == ("mill-2", "acme")
    assert c.member_of(OPENED + to_member) == "acme"
    unclaimed = c.decide(c.Correct("Another mill", site_id="mill-3"), OPENED + to_member)
    assert c.member_of(OPENED + to_member + unclaimed) is None
    # A correction of the category alone leaves the member as it was.
    category = c.decide(c.Correct("Wages", category="working_hours"), OPENED + to_member)
    assert c.member_of(OPENED + to_member + category) == "acme"


def test_nothing_to_correct_is_refused():
    assert refused(OPENED, c.Correct("same", country="BD")) == "no-change"
    assert refused(OPENED, c.Correct("nothing")) == "no-change"
    corrected = OPENED + c.decide(c.Correct("x", category="child_labour"), OPENED)
    assert refused(corrected, c.Correct("again", category="child_labour")) == "no-change"


def test_no_case_no_correction():
    assert refused([], c.Correct("x", category="child_labour")) == "unknown-case"


def test_triage_weighs_the_corrected_category():
    """Child labour escalates whatever the officer says: once the category says so too."""
    corrected = OPENED + c.decide(c.Correct("It is children", category="child_labour"), OPENED)
    assert fold(corrected).category == "child_labour"
    triaged = decide(Triage((), Severity.low, override_reason="looks minor"), fold(corrected))
    assert triaged[0].severity == "critical"
    assert isinstance(triaged[1], ReferralRecommended)


def test_a_country_that_contradicts_the_site_is_refused_and_a_site_brings_its_country():
    sites = {"mill-2": "KH", "mill-bd": "BD"}
    # A site corrected without a country brings its own (the case was filed from BD).
    moved = c.decide(c.Correct("Named the mill", site_id="mill-2", site_countries=sites), OPENED)
    assert (moved[0].site_id, moved[0].country) == ("mill-2", "KH")
    # A site in the country filed changes the site alone.
    same = c.decide(c.Correct("That mill", site_id="mill-bd", site_countries=sites), OPENED)
    assert (same[0].site_id, same[0].country) == ("mill-bd", None)
    # A country that is not the site's, corrected with it or later alone, is refused.
    both = c.Correct("x", country="BD", site_id="mill-2", site_countries=sites)
    assert refused(OPENED, both) == "site-in-another-country"
    assert refused(OPENED + moved, c.Correct("x", country="BD", site_countries=sites)) == (
        "site-in-another-country"
    )
