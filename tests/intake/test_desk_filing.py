"""Filing a report for a worker at the hotline desk: the operator's form files what the worker
tells, on the log with the channel they came by, and shows the receipt once; the same form
sent again files nothing and shows no receipt; a refused form comes back with each wrong
field marked and what was typed kept.
"""

from __future__ import annotations

import re

from tests.cases.test_console import csrf_of
from tests.cases.test_worker_loop import NARRATIVES, PHONE
from tests.events.helpers import wait_until
from tests.intake.test_desk import DESK, open_receipt, operator

FILING = {"channel": "hotline", "language": "bn", "category": "wages_and_benefits",
          "narrative": NARRATIVES["bn"], "country": "BD", "site_id": "dhaka-1",
          "phone_or_email": PHONE, "consent": "contact_me"}  # fmt: skip


async def submitted(intake) -> list:
    async with intake.system.pool.acquire() as conn:
        streams = await conn.fetch(
            "SELECT stream FROM eventlog.events WHERE type = 'GrievanceSubmitted' ORDER BY position"
        )
    return [(await intake.system.store.read_stream(r["stream"]))[0] for r in streams]


async def test_an_operator_files_for_a_worker_and_reads_the_receipt_back_once(intake):
    async with operator(intake) as client:
        form = await client.get(f"{DESK}/file")
        assert form.status_code == 200 and 'name="narrative"' in form.text
        token = csrf_of(form.text)
        filed = await client.post(f"{DESK}/file", data={"csrf": token, **FILING})
        assert filed.status_code == 200, filed.text
        assert "Shown only once" in filed.text
        reference = re.search(r'id="reference">([^<]+)<', filed.text).group(1)
        secret = re.search(r'id="secret">([^<]+)<', filed.text).group(1)
        assert filed.headers["cache-control"].startswith("no-store")

        (event,) = await submitted(intake)
        assert (event.data.channel, event.data.language, event.actor.role) == (
            "hotline", "bn", "operator",
        )  # fmt: skip
        assert (event.data.site_id, event.data.consent.contact_me) == ("dhaka-1", True)
        assert event.data.receipt_reference == reference

        # The form sent again (a reload, a second click): nothing filed, no receipt shown.
        again = await client.post(f"{DESK}/file", data={"csrf": token, **FILING})
        assert again.status_code == 409 and secret not in again.text
        assert len(await submitted(intake)) == 1

        # The receipt read back opens the report at the desk.
        async def opens() -> bool:
            answer = await open_receipt(client, reference, secret)
            return answer.status_code == 303

        await wait_until(opens)


async def test_a_refused_filing_marks_each_wrong_field_and_keeps_what_was_typed(intake):
    async with operator(intake) as client:
        form = await client.get(f"{DESK}/file")
        wrong = FILING | {"narrative": "  ", "phone_or_email": "call me", "site_text": "Gate 4"}
        refused = await client.post(f"{DESK}/file", data={"csrf": csrf_of(form.text), **wrong})
        assert refused.status_code == 422, refused.text
        for field in ("narrative", "phone-or-email"):
            assert re.search(rf'id="file-{field}"[^>]*aria-invalid="true"', refused.text), field
        assert 'value="call me"' in refused.text and 'value="Gate 4"' in refused.text
        assert '<option value="dhaka-1" selected>' in refused.text
        assert 'value="contact_me" checked' in refused.text
        forged = FILING | {"site_id": "nowhere"}
        form = await client.get(f"{DESK}/file")
        unknown = await client.post(f"{DESK}/file", data={"csrf": csrf_of(form.text), **forged})
        assert unknown.status_code == 422
        assert re.search(r'id="file-site-id"[^>]*aria-invalid="true"', unknown.text)
        form = await client.get(f"{DESK}/file")
        elsewhere = FILING | {"country": "KH"}  # dhaka-1 is in Bangladesh
        mismatch = await client.post(f"{DESK}/file", data={"csrf": csrf_of(form.text), **elsewhere})
        assert mismatch.status_code == 422
        assert re.search(r'id="file-country"[^>]*aria-invalid="true"', mismatch.text)
        assert "is in BD, not in KH" in mismatch.text
        assert await submitted(intake) == []
