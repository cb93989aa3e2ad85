"""Corrections over HTTP: an officer corrects a grievance's category, country, site and
language with a reason; the queue, the case and the members who see it follow."""

from __future__ import annotations

from tests.cases.test_authz import file_case, officer_post, read_back

CORRECTION = {"reason": "The SMS is about children at the looms", "category": "child_labour",
              "language": "km"}  # fmt: skip


async def queued(platform, headers) -> dict[str, dict]:
    answer = await platform.cases.get("/v1/cases", headers=headers)
    assert answer.status_code == 200, answer.text
    return {c["case_id"]: c for c in answer.json()["items"]}


async def test_a_correction_is_followed_by_the_queue_the_case_and_triage(platform):
    case_id = await file_case(platform)
    written = await officer_post(platform, case_id, "/corrections", CORRECTION)
    case = await read_back(platform, case_id, written["version"])
    assert (case["category"], case["country"], case["language"]) == ("child_labour", "BD", "km")
    row = (await queued(platform, platform.token()))[case_id]
    assert (row["category"], row["country"]) == ("child_labour", "BD")
    # The member still sees its case, as corrected, and not the correction's reason.
    member = platform.member("acme-apparel")
    assert (await queued(platform, member))[case_id]["category"] == "child_labour"
    timeline = (await platform.cases.get(f"/v1/cases/{case_id}/timeline", headers=member)).json()
    assert "GrievanceCorrected" not in {i["type"] for i in timeline["items"]}
    # Triage weighs the corrected category: child labour escalates whatever is said.
    overridden = {"indicators": [], "severity": "low", "override_reason": "minor"}
    await officer_post(platform, case_id, "/triage", overridden)
    assert (await platform.log_types(case_id))[-2:] == ["CaseTriaged", "ReferralRecommended"]


async def test_a_corrected_site_takes_the_case_out_of_the_members_chain(platform):
    case_id = await file_case(platform)  # dhaka-1: acme-apparel's
    member = platform.member("acme-apparel")
    written = await officer_post(platform, case_id, "/corrections",
                                 {"reason": "The worker named the Phnom Penh site",
                                  "site_id": "pp-2"})  # fmt: skip
    case = await read_back(platform, case_id, written["version"])
    assert case["site_id"] == "pp-2" and case["member_org"] is None
    assert case["country"] == "KH"  # the site's: it was filed from Bangladesh
    assert case_id not in await queued(platform, member)
    answer = await platform.cases.get(f"/v1/cases/{case_id}", headers=member)
    assert answer.status_code == 404
    action = {"remedy": "training", "owner": "member_company", "due_on": "2030-01-31",
              "description": "Train"}  # fmt: skip
    refused = await platform.cases.post(f"/v1/cases/{case_id}/actions", json=action,
                                        headers=member)  # fmt: skip
    assert refused.status_code == 404


async def test_bad_corrections_answer_problems_and_write_nothing(platform):
    case_id = await file_case(platform)
    before = await platform.system.store.stream_version(case_id)
    for body, status, kind in [
        ({"reason": "x", "category": "gossip"}, 422, "validation"),
        ({"reason": "x", "country": "bd"}, 422, "validation"),
        ({"reason": "x", "language": "tlh"}, 422, "validation"),
        ({"reason": "   ", "country": "KH"}, 422, "validation"),
        ({"reason": "x", "site_id": "nowhere-9"}, 422, "unknown-site"),
        # Filed at dhaka-1, in Bangladesh: another country would contradict its site.
        ({"reason": "x", "country": "KH"}, 422, "site-in-another-country"),
        ({"reason": "x", "site_id": "pp-2", "country": "BD"}, 422, "site-in-another-country"),
        ({"reason": "x", "country": "BD"}, 409, "no-change"),
        ({"reason": "x"}, 409, "no-change"),
    ]:
        answer = await platform.cases.post(f"/v1/cases/{case_id}/corrections", json=body,
                                           headers=platform.token())  # fmt: skip
        assert answer.status_code == status, (body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["type"] == f"urn:redress:problem:{kind}", answer.text
    member = await platform.cases.post(f"/v1/cases/{case_id}/corrections", json=CORRECTION,
                                       headers=platform.member("acme-apparel"))  # fmt: skip
    assert member.status_code == 403
    assert await platform.system.store.stream_version(case_id) == before
