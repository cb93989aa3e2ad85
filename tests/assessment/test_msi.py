"""The initiative's own self-assessment on the UN guidance's questions: its officers answer
it, section by section; members never see it; nobody answers a member's for it."""

from __future__ import annotations

import re

from redress.assessment.facts import MemberFacts
from redress.events.catalogue.partner import PartnerKind, PartnerRegistered, PartnerRetired
from redress.events.catalogue.tenant import DEFAULT_WORKING_DAYS
from redress.events.envelope import Actor, Metadata
from redress.events.ids import derived_stream
from redress.events.projection import wait_for_version
from redress.metrics.releases.handlers import publish, published, release_stream
from redress.tenancy.domain import ChangeSettings, SetTimeFrames
from redress.tenancy.handlers import execute
from tests.assessment.conftest import MEMBERS
from tests.assessment.test_flow import GOVERNANCE, agreed
from tests.assessment.test_minimum_count import AT, RECEIVED
from tests.assessment.test_pages import logged_in


async def test_officers_assess_the_initiative_on_the_un_questions(platform):
    p = platform
    officer, supervisor = p.token(), p.token(("supervisor",), sub="supervisor-1")
    started = await p.post("/v1/assessments", {"framework": "un-msi-questions"}, officer)
    own = started["assessment_id"]
    base = f"/v1/assessments/{own}"
    await p.answer(own, "q3-1", headers=officer)
    await p.answer(own, "q3-3", "partly", headers=supervisor, reason="Criteria b and e not yet")
    await p.answer(own, "q1-1", "not_applicable", headers=officer, reason="Out of our scope")
    await p.post(f"{base}/submit", headers=officer)
    done = await p.read(own, officer)
    assert done["status"] == "final" and done["org"] == ""
    assert done["evidence"]["anonymous_channel"] is True  # the initiative's own facts
    sections = {g["group"]: g for g in done["score"]["groups"]}
    assert (sections["ch3-grievance"]["met"], sections["ch3-grievance"]["total"]) == (1, 5)
    assert sections["ch1-awareness"]["met"] == 1  # not applicable, with a reason
    assert done["answers"]["q3-3"]["answered_by"] == "supervisor-1"
    # Members neither see nor reach it; the review routes have nothing to review.
    member = p.member()
    assert (await p.client.get(base, headers=member)).status_code == 404
    listed = await p.call("GET", "/v1/assessments", headers=member)
    assert own not in {a["assessment_id"] for a in listed["items"]}
    await p.post(f"{base}/answers/q3-1/verify", {}, officer, status=(409,))


async def test_officers_never_answer_a_members_assessment_nor_members_the_initiatives(platform):
    p = platform
    officer = p.token()
    theirs = await p.start()
    before = await p.log_types(theirs)
    refused = await p.client.put(f"/v1/assessments/{theirs}/answers/gov-l1",
                                 json={"answer": "met"}, headers=officer)  # fmt: skip
    assert refused.status_code == 403, refused.text
    assert await p.log_types(theirs) == before
    # A member cannot start the initiative's questions; staff cannot start a member's journey.
    await p.post("/v1/assessments", {"framework": "un-msi-questions"}, status=(422,))
    await p.post("/v1/assessments", {"framework": "gm-journey"}, officer, status=(422,))


async def test_the_initiatives_assessment_shows_what_the_platform_holds(platform):
    p, store = platform, platform.system.store
    meta = Metadata(tenant="acme", actor=Actor(id="admin", role="admin"))
    # The initiative the platform registered, with its members admitted (MEMBERS).
    languages = ChangeSettings("Acme Initiative", "UTC", DEFAULT_WORKING_DAYS, ("en", "bn", "km"))
    await execute(store, "acme", languages, meta)
    await execute(store, "acme", SetTimeFrames(5, 60, 30), meta)
    directory = derived_stream("partner", "acme")
    await store.append(directory, [
        PartnerRegistered(partner_id="nrm-bd", name="NRM", countries=("BD",),
                          kind=PartnerKind.national_referral_mechanism),
        PartnerRegistered(partner_id="safe-home", name="Safe Home", kind=PartnerKind.shelter,
                          countries=("BD", "KH")),
        PartnerRegistered(partner_id="gone", name="Gone", kind=PartnerKind.ngo, countries=("KH",)),
        PartnerRetired(partner_id="gone"),
    ], 0, meta)  # fmt: skip
    rated = await agreed(p, GOVERNANCE)
    officer = p.token()
    own = await p.post("/v1/assessments", {"framework": "un-msi-questions"}, officer)
    await p.caught_up(rated)
    assert await wait_for_version(p.system.pool, MemberFacts(), directory, 4, timeout=30)
    shown = (await p.read(own["assessment_id"], officer))["evidence"]
    assert shown["languages_offered"] == ["en", "bn", "km"]
    assert shown["anonymous_channel"] is True
    assert shown["time_frames"] == {"acknowledge_days": 5, "feedback_days": 60, "plan_days": 30}
    assert shown["partners_by_country"] == {"BD": 2, "KH": 1}
    assert shown["members_assessed"] == {"members": len(MEMBERS), "with_agreed_rating": 1}
    assert shown["bears_on"]["q3-5"] == ["partners_by_country"]


async def test_the_initiatives_assessment_shows_the_figures_it_published(platform):
    p, store = platform, platform.system.store
    officer = p.token()
    own = await p.post("/v1/assessments", {"framework": "un-msi-questions"}, officer)
    shown = (await p.read(own["assessment_id"], officer))["evidence"]["figures_published"]
    assert shown == {"releases": 0, "periods": [], "corrections": 0, "latest": None}

    admin = Metadata(tenant="acme", actor=Actor(id="admin", role="admin"))
    dhaka = ChangeSettings("Acme Initiative", "Asia/Dhaka", DEFAULT_WORKING_DAYS, ("en", "bn"))
    await execute(store, "acme", dhaka, admin)
    first = published(await publish(store, admin, "2025-01", RECEIVED, AT))
    await publish(store, admin, "2025-02", RECEIVED, AT)
    await publish(store, admin, "2025-01", RECEIVED, AT, corrects=first.release_id)
    stream = release_stream("acme")
    assert await wait_for_version(p.system.pool, MemberFacts(), stream, 3, timeout=30)
    tenant = derived_stream("tenant", "acme")
    version = await store.stream_version(tenant)
    assert await wait_for_version(p.system.pool, MemberFacts(), tenant, version, timeout=30)
    shown = (await p.read(own["assessment_id"], officer))["evidence"]["figures_published"]
    assert shown["latest"]["published_at"].startswith("20")
    assert shown | {"latest": None} == {
        "releases": 3,
        "periods": ["2025-01", "2025-02"],
        "corrections": 1,
        "latest": None,
    }
    assert (shown["latest"]["number"], shown["latest"]["period"]) == (3, "2025-01")
    # The page says it beside the other facts, to an officer who signs in.
    await logged_in(p, officer["Authorization"].split()[1])
    page = (await p.client.get(f"/assessments/{own['assessment_id']}")).text
    said = page.split('id="figures-published">', 1)[1].split("</dd>", 1)[0]
    assert said.startswith(
        "2 periods (2025-01, 2025-02) in 3 releases (1 of them a correction); the latest, "
        "release 3, for 2025-01, published "
    )
    # In the initiative's time zone, as its releases page says it.
    assert re.search(r"published \d{4}-\d\d-\d\d \d\d:\d\d Asia/Dhaka ", said), said
    assert "Submit as final" in page and "Submit for review" not in page
