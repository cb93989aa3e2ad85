"""What people type (the workplace not in the list, a member's reference, a good time to
call) is sealed with the grievance's key: never on disk in the clear, gone with erasure, and
shown to the officer only.

Reads the files of PostgreSQL and NATS: run without REDRESS_DATABASE_URL / REDRESS_NATS_URL.
"""

import re
import uuid

from redress.cases.policies import case_stream
from redress.events.catalogue import load
from redress.events.catalogue.audit import CallbackScheduled
from redress.events.catalogue.grievance import GrievanceSubmitted
from redress.events.projection import wait_for_version
from redress.intake.projections import Grievances
from tests.cases.test_console import officer
from tests.cases.test_flow import open_status
from tests.disk import database_dump, postgres_files, stream_store_files, wal_files
from tests.events.helpers import wait_until

TENANT = "acme"


async def everything_on_disk(platform, servers) -> dict[str, bytes]:
    return {
        "postgres": await postgres_files(servers),
        "wal": await wal_files(servers),
        "stream store": stream_store_files(servers),
        "dump": database_dump(platform.system.dsn),
    }


def found(files: dict[str, bytes], canaries: list[str]) -> list[tuple[str, str]]:
    return [(c, where) for c in canaries for where, data in files.items() if c.encode() in data]


async def case_of(platform, grievance_id: str) -> dict:
    case_id = case_stream(grievance_id)

    async def opened():
        answer = await platform.cases.get(f"/v1/cases/{case_id}", headers=platform.token())
        return answer.json() if answer.status_code == 200 else None

    await wait_until(opened)
    return await opened()


async def test_typed_text_is_sealed_shown_to_the_officer_and_erased(platform, servers):
    marker = uuid.uuid4().hex
    site_text = f"Golden Thread {marker[:12]} near the river"
    reference = f"HOTLINE-{marker[12:24]}"
    member_site = f"Silver Needle {marker[24:]}"
    worker = await platform.intake.post(
        "/v1/operator/grievances",
        json={"country": "BD", "site_text": site_text, "category": "working_hours",
              "narrative": "Doors locked during the night shift.", "language": "en"},
        headers=platform.token(("operator",), sub="operator-1"),
    )  # fmt: skip
    assert worker.status_code == 201, worker.text
    member = await platform.intake.post(
        "/v1/grievances/import",
        content=(
            '{"country": "KH", "category": "other", "narrative": "Reported on our hotline.", '
            f'"member_reference": "{reference}", "site_text": "{member_site}", '
            '"consent": {"reveal_identity_to_company": true}}'
        ),
        headers={**platform.member(), "Content-Type": "application/x-ndjson"},
    )
    assert member.json()["accepted"] == 1, member.text
    member_gid = member.json()["rows"][0]["grievance_id"]
    assert member_gid != str(uuid.uuid5(uuid.NAMESPACE_URL, f"acme:acme-apparel:{reference}"))

    # The officer reads what was typed; the member company does not see the workplace.
    filed = worker.json()
    seen = await case_of(platform, filed["grievance_id"])
    assert seen["grievance"]["site_text"] == site_text
    async with officer(platform) as console:
        page = await console.get(f"/console/cases/{seen['case_id']}")
        assert site_text in page.text
    by_member = await case_of(platform, member_gid)
    assert by_member["grievance"]["member_reference"] == reference
    member_view = await platform.cases.get(
        f"/v1/cases/{case_stream(member_gid)}", headers=platform.member()
    )
    assert member_view.status_code == 200, member_view.text
    assert "site_text" not in member_view.json()["grievance"]
    assert member_site not in member_view.text

    canaries = [site_text, marker[:12], reference, member_site]
    assert found(await everything_on_disk(platform, servers), canaries) == []

    page = await open_status(platform.intake, filed["reference"], filed["secret"])
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
    erased = await platform.intake.post(
        f"/t/{TENANT}/status",
        data={"csrf": csrf, "do": "erase", "confirm": "yes"},
        follow_redirects=True,
    )
    assert erased.status_code == 200, erased.text
    stream = f"grievance-{filed['grievance_id']}"
    assert await wait_for_version(platform.system.pool, Grievances(), stream, 2, timeout=10)

    async def officer_lost_it():
        detail = await case_of(platform, filed["grievance_id"])
        return detail.get("grievance") is None

    await wait_until(officer_lost_it)
    assert found(await everything_on_disk(platform, servers), canaries) == []


def test_version_1_events_lose_their_plain_text_on_reading():
    v1 = {
        "grievance_id": "g1", "channel": "web", "language": "en", "country": "BD",
        "site_text": "typed in plain text", "member_reference": "REF-1", "category": "other",
        "personal": {"key_id": "grievance-g1", "ciphertext": "c2VhbGVk"},
        "receipt_reference": "R-1", "receipt_hash": "h", "filed_digest": "d",
    }  # fmt: skip
    upcast = load("GrievanceSubmitted", 1, v1)
    assert isinstance(upcast, GrievanceSubmitted)
    assert "typed in plain text" not in upcast.model_dump_json()
    scheduled = load("CallbackScheduled", 1, {
        "audit_id": "a1", "callback_id": "c1", "due_on": "2025-03-15", "language": "bn",
        "good_time": "after 18:00", "contact": {"key_id": "audit-a1", "ciphertext": "c2VhbGVk"},
    })  # fmt: skip
    assert isinstance(scheduled, CallbackScheduled) and "18:00" not in scheduled.model_dump_json()
