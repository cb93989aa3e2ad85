"""A member company files about its own sites only (and sites no member has claimed)."""

import json

from tests.intake.test_api import GRIEVANCE, grievances


async def test_a_member_cannot_file_against_another_members_site(intake):
    other = intake.token(org="globex-garments")
    before = await intake.events()
    answer = await intake.client.post("/v1/grievances", json=GRIEVANCE, headers=other)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "urn:redress:problem:site-of-another-member"
    assert await intake.events() == before
    # A site no member claims (pp-2) accepts any member; its own site, its owner.
    unclaimed = {**GRIEVANCE, "site_id": "pp-2", "country": "KH", "member_reference": "G-1"}
    assert (await intake.client.post("/v1/grievances", json=unclaimed, headers=other)).is_success
    own = await intake.client.post("/v1/grievances", json=GRIEVANCE, headers=intake.token())
    assert own.status_code == 201, own.text


async def test_an_organisation_the_initiative_has_not_admitted_files_nothing(intake):
    stranger = intake.token(org="not-a-member")
    before = await intake.events()
    unclaimed = {**GRIEVANCE, "site_id": "pp-2", "country": "KH", "member_reference": "S-1"}
    for body in (GRIEVANCE, unclaimed, {**unclaimed, "site_id": None}):
        answer = await intake.client.post("/v1/grievances", json=body, headers=stranger)
        assert answer.status_code == 403, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == "urn:redress:problem:not-a-member"
    imported = await intake.client.post(
        "/v1/grievances/import", content=json.dumps(unclaimed) + "\n",
        headers={**stranger, "Content-Type": "application/x-ndjson"},
    )  # fmt: skip
    assert imported.status_code == 200, imported.text  # an import answers row by row
    assert (imported.json()["accepted"], imported.json()["refused"]) == (0, 1)
    assert "not a member" in imported.json()["rows"][0]["errors"][0]
    assert await intake.events() == before


async def test_an_import_refuses_rows_about_another_members_site(intake):
    rows = [
        {**GRIEVANCE, "member_reference": "IMP-1"},
        {**GRIEVANCE, "member_reference": "IMP-2", "site_id": "pp-2", "country": "KH"},
    ]
    answer = await intake.client.post(
        "/v1/grievances/import",
        content="\n".join(json.dumps(r) for r in rows),
        headers={**intake.token(org="globex-garments"), "Content-Type": "application/x-ndjson"},
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["accepted"], report["refused"]) == (1, 1)
    assert "another member" in report["rows"][0]["errors"][0]
    assert await grievances(intake) == 1


async def test_a_key_another_member_used_is_its_own_request_and_says_nothing_of_the_first(
    intake,
):
    """Two member companies' systems may log in with the same user id (a tenant's shared
    integration account); an Idempotency-Key belongs to the company, never shared."""
    key = {"Idempotency-Key": "order-1234"}
    first = await intake.client.post("/v1/grievances", json=GRIEVANCE,
                                     headers={**intake.token(), **key})  # fmt: skip
    assert first.status_code == 201, first.text
    other = {**intake.token(org="globex-garments"), **key}
    same = await intake.client.post("/v1/grievances", json=GRIEVANCE, headers=other)
    assert same.status_code == 422, same.text  # as without a key: not its site, not acme's answer
    assert same.json()["type"] == "urn:redress:problem:site-of-another-member"
    assert first.json()["grievance_id"] not in same.text
    unclaimed = {**GRIEVANCE, "site_id": "pp-2", "country": "KH", "member_reference": "G-1"}
    own = await intake.client.post("/v1/grievances", json=unclaimed, headers=other)
    assert own.status_code == 201, own.text  # not "this key was used with another request"
    assert own.json()["grievance_id"] != first.json()["grievance_id"]
    again = await intake.client.post("/v1/grievances", json=unclaimed, headers=other)
    assert again.json()["grievance_id"] == own.json()["grievance_id"]
    assert await grievances(intake) == 2


def test_a_caller_of_no_organisation_keeps_its_keys_as_before():
    """Staff and providers' keys were kept by user id: their retries across the upgrade
    still find their first answer; a member's are kept apart from any other member's."""
    from redress.kit.auth import Principal
    from redress.kit.idempotency import caller

    assert caller(Principal(sub="sms-provider", tenant="acme")) == "sms-provider"
    acme, globex = (caller(Principal(sub="member-1", tenant="acme", org=o))
                    for o in ("acme-apparel", "globex-garments"))  # fmt: skip
    assert len({acme, globex, "member-1"}) == 3


async def test_a_site_in_another_country_is_refused_on_every_channel_and_a_site_gives_its_country(
    intake,
):
    before = await intake.events()
    in_kh = {**GRIEVANCE, "country": "KH"}  # dhaka-1 is in Bangladesh
    operator = {k: v for k, v in in_kh.items() if k != "member_reference"}
    for path, body, headers in (
        ("/v1/grievances", in_kh, intake.token()),
        ("/v1/operator/grievances", operator, intake.token(roles=("operator",))),
    ):
        answer = await intake.client.post(path, json=body, headers=headers)
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert problem["type"] == "urn:redress:problem:site-in-another-country"
        assert "'dhaka-1' is in BD, not in KH" in problem["detail"]
    imported = await intake.client.post(
        "/v1/grievances/import", content=json.dumps(in_kh) + "\n",
        headers={**intake.token(), "Content-Type": "application/x-ndjson"},
    )  # fmt: skip
    assert (imported.json()["accepted"], imported.json()["refused"]) == (0, 1), imported.text
    assert "'dhaka-1' is in BD, not in KH" in imported.json()["rows"][0]["errors"][0]
    # Without a site the country is still asked for, as a field of its own.
    unplaced = {k: v for k, v in GRIEVANCE.items() if k not in ("country", "site_id")}
    missing = await intake.client.post("/v1/grievances", json=unplaced, headers=intake.token())
    assert missing.status_code == 422, missing.text
    assert [e["loc"] for e in missing.json()["errors"]] == [["body", "country"]]
    assert await intake.events() == before
    # With a site, the country may be left out (or null): the site's is recorded.
    for reference, country in (("NO-COUNTRY", {}), ("NULL-COUNTRY", {"country": None})):
        body = {k: v for k, v in GRIEVANCE.items() if k != "country"} | country
        body["member_reference"] = reference
        filed = await intake.client.post("/v1/grievances", json=body, headers=intake.token())
        assert filed.status_code == 201, filed.text
        events = await intake.system.store.read_stream(filed.json()["stream"])
        assert (events[0].data.country, events[0].data.site_id) == ("BD", "dhaka-1")


async def test_the_openapi_asks_for_a_country_only_where_no_site_is_given(intake):
    schemas = (await intake.client.get("/openapi.json")).json()["components"]["schemas"]
    for name in ("MemberGrievance", "OperatorGrievance"):
        assert "country" not in schemas[name]["required"]
        assert "site-in-another-country" in schemas[name]["properties"]["country"]["description"]
