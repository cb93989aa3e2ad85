"""Loose input refused with 422 over HTTP: countries, dates, invisible narratives, languages,
sites; an unknown country said explicitly; an identical site registration changes nothing."""

from datetime import date, timedelta

from redress.events.catalogue import load
from redress.events.catalogue.case import CaseOpened
from redress.events.catalogue.grievance import GrievanceSubmitted
from redress.events.migrations import migrate
from redress.intake.sms import signature
from redress.metrics.app import service as metrics_service
from redress.metrics.projections import GrievanceCounts
from tests.intake.conftest import TENANT
from tests.intake.test_api import GRIEVANCE

BLANK = "body.narrative: left blank: it needs words saying what happened"


async def refused(intake, body, path="/v1/grievances", field=None):
    answer = await intake.client.post(path, json=body, headers=intake.token())
    assert answer.status_code == 422, (body, answer.text)
    assert answer.headers["content-type"] == "application/problem+json"
    if field:
        assert field in answer.json()["detail"], answer.text


async def test_loose_grievances_are_refused_and_record_nothing(intake):
    before = await intake.events()
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    for country in ("ZZ", "XX", "AA", "XK", "bd"):
        await refused(intake, {**GRIEVANCE, "site_id": None, "country": country}, field="country")
    for since in ("0001-01-01", "1949-12-31", tomorrow, 0, "20240101"):
        await refused(intake, {**GRIEVANCE, "since": since}, field="since")
    # Spaces alone, or marks nobody sees: the narrative is asked for in words, never as a
    # character missing ("at least 1 character").
    for narrative in ("", "   ", "\n\t ", "\u200b\u200b\u200b", " \u200d\ufeff ", "\u3164",
                      "\u2800\u00a0"):  # fmt: skip
        await refused(intake, {**GRIEVANCE, "narrative": narrative}, field=BLANK)
    too_long = {**GRIEVANCE, "narrative": "x" * 5001}
    await refused(intake, too_long, field="narrative: String should have at most 5000 characters")
    await refused(intake, {**GRIEVANCE, "contact": {"language": "xx"}}, field="language")
    await refused(intake, {**GRIEVANCE, "language": "zz"}, field="language")
    assert await intake.events() == before
    fine = {**GRIEVANCE, "since": "1950-01-01", "narrative": "\u200bThe fence fell."}
    assert (
        await intake.client.post("/v1/grievances", json=fine, headers=intake.token())
    ).is_success


async def test_a_body_of_many_unknown_keys_gets_a_short_refusal(intake):
    """Each unknown key is an error: listed all, 90,000 of them made an 8 MB answer to a 1 MB
    body. The first 50 are listed, and the detail says how many more there are."""
    body = {**GRIEVANCE, **{f"k{i}": 0 for i in range(5000)}}
    answer = await intake.client.post("/v1/grievances", json=body, headers=intake.token())
    assert answer.status_code == 422
    problem = answer.json()
    assert len(problem["errors"]) == 50 and "(and 4950 more errors)" in problem["detail"]
    assert len(answer.content) < 20_000


async def test_a_page_in_an_unknown_language_falls_back(intake):
    page = await intake.client.get(f"/t/{TENANT}/report?lang=zz")
    assert page.status_code == 200 and 'lang="en"' in page.text
    assert 'value="ZZ"' not in page.text and 'value="BD"' in page.text


async def test_sites_refuse_bad_countries_and_names_and_an_identical_put_is_a_no_op(intake):
    admin = intake.token(roles=("admin",))
    site = {"site_id": "hcm-3", "name": "Saigon Shoes", "country": "VN"}
    for bad in ({**site, "country": "ZZ"}, {**site, "name": "Saigon\x07Shoes"}):
        answer = await intake.client.put("/v1/sites/hcm-3", json=bad, headers=admin)
        assert answer.status_code == 422, answer.text
    first = await intake.client.put("/v1/sites/hcm-3", json=site, headers=admin)
    assert first.status_code == 200, first.text
    events = await intake.events()
    again = await intake.client.put("/v1/sites/hcm-3", json=site, headers=admin)
    assert again.status_code == 200 and again.json() == first.json()
    assert await intake.events() == events
    renamed = await intake.client.put(
        "/v1/sites/hcm-3", json={**site, "name": "Saigon Shoes 2"}, headers=admin
    )
    assert renamed.json()["version"] == first.json()["version"] + 1
    assert await intake.events() == events + 1


async def test_campaign_figures_refuse_nonsense_dates_and_countries(intake):
    auditor = intake.token(roles=("auditor",))
    for query in ("audited_to=0", "audited_from=0001-01-01", "audited_to=9999-12-31",
                  "audited_from=yesterday", "country=ZZ"):  # fmt: skip
        answer = await intake.client.get(f"/v1/campaigns/figures?{query}", headers=auditor)
        assert answer.status_code == 422, (query, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
    fine = "/v1/campaigns/figures?audited_from=2025-01-01&audited_to=2025-12-31&country=BD"
    assert (await intake.client.get(fine, headers=auditor)).status_code == 200


async def test_a_text_message_files_with_its_country_unknown(intake):
    url = f"http://test/v1/sms/{TENANT}/inbound"
    params = {"From": "+66811113333", "Body": "They took my passport.", "MessageSid": "SM9"}
    answer = await intake.client.post(
        url, data=params, headers={"X-Twilio-Signature": signature("dev-sms-token", url, params)}
    )
    assert answer.status_code == 200, answer.text
    async with intake.system.pool.acquire() as conn:
        stream = await conn.fetchval(
            "SELECT stream FROM eventlog.events WHERE type = 'GrievanceSubmitted'"
        )
    (submitted,) = await intake.system.store.read_stream(stream)
    assert submitted.data.country is None
    # A text of nothing visible files nothing: the worker is asked to write (test_sms.py).
    invisible = {**params, "Body": "\u200b\u200b", "MessageSid": "SM10"}
    answer = await intake.client.post(
        url, data=invisible,
        headers={"X-Twilio-Signature": signature("dev-sms-token", url, invisible)},
    )  # fmt: skip
    assert answer.status_code == 200
    async with intake.system.pool.acquire() as conn:
        filed = await conn.fetchval(
            "SELECT count(*) FROM eventlog.events WHERE type = 'GrievanceSubmitted'"
        )
    assert filed == 1


def test_old_events_with_zz_read_as_unknown():
    v1 = {
        "grievance_id": "g1", "channel": "sms", "language": "en", "country": "ZZ",
        "category": "other", "personal": {"key_id": "grievance-g1", "ciphertext": "c2VhbGVk"},
        "receipt_reference": "R-1", "receipt_hash": "h", "filed_digest": "d",
    }  # fmt: skip
    upcast = load("GrievanceSubmitted", 1, v1)
    assert isinstance(upcast, GrievanceSubmitted) and upcast.country is None
    assert load("GrievanceSubmitted", 1, {**v1, "country": "BD"}).country == "BD"
    opened = load("CaseOpened", 1, {"case_id": "case-1", "grievance_id": "g1",
                                    "category": "other", "country": "ZZ"})  # fmt: skip
    assert isinstance(opened, CaseOpened) and opened.country is None


async def test_metrics_count_unknown_countries_together(system):
    from redress.events.envelope import Actor, Metadata
    from redress.events.ids import new_stream

    async with system.pool.acquire() as conn:
        await migrate(conn, [metrics_service.component])
    meta = Metadata(tenant=TENANT, actor=Actor(id="sms-gateway", role="operator"))
    streams = []
    for i in range(2):
        event = GrievanceSubmitted(
            grievance_id=f"g{i}", channel="sms", language="en", country=None, category="other",
            personal={"key_id": f"grievance-g{i}", "ciphertext": "c2VhbGVk"},
            receipt_reference=f"R-{i}", receipt_hash="h", filed_digest="d",
        )  # fmt: skip
        streams.append(new_stream("grievance"))
        await system.store.append(streams[-1], [event], 0, meta)
    counts = GrievanceCounts()
    async with system.pool.acquire() as conn, conn.transaction():
        # Projections name their own tables; the runner sets their schema (ADR 0011).
        await conn.execute(f"SET LOCAL search_path TO {counts.schema}")
        for stream in streams:
            for stored in await system.store.read_stream(stream):
                await counts.apply(conn, stored)
        rows = await conn.fetch("SELECT country, received FROM metrics.grievance_counts")
    assert [(r["country"], r["received"]) for r in rows] == [(None, 2)]


async def test_the_schema_asks_for_a_narrative_of_at_least_a_character(intake):
    schemas = (await intake.client.get("/openapi.json")).json()["components"]["schemas"]
    narrative = schemas["MemberGrievance"]["properties"]["narrative"]
    assert (narrative["minLength"], narrative["maxLength"]) == (1, 5000)
