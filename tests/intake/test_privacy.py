"""Nothing leaked: personal data only as ciphertext, gone for good after erasure; no IP."""

import json
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pgserver

from redress.events.projection import wait_for_version
from redress.intake.projections import Grievances
from tests.events.helpers import wait_until
from tests.intake.conftest import CLIENT_ADDRESS, TENANT
from tests.intake.test_web import file_report, fresh_form, open_status


def pg_dump_binary() -> str:
    bundled = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_dump"
    return str(bundled) if bundled.exists() else shutil.which("pg_dump") or "pg_dump"


def dump_database(dsn: str) -> bytes:
    return subprocess.run(
        [pg_dump_binary(), "--dbname", dsn], capture_output=True, check=True
    ).stdout


async def dump_stream(system) -> bytes:
    last = await system.bus.last_sequence(system.js)
    out = b""
    for seq in range(1, last + 1):
        msg = await system.js.get_msg(system.bus.stream, seq)
        out += json.dumps(msg.headers).encode() + msg.data
    return out


async def test_personal_data_is_only_ciphertext_and_unreadable_after_erasure(intake):
    marker = uuid.uuid4().hex
    narrative = f"The supervisor {marker} hit me"
    phone = f"+880{int(marker[:8], 16)}"
    reference, secret = await file_report(intake, narrative=narrative, contact=phone,
                                          name=f"Rahima {marker[8:16]}")  # fmt: skip
    secrets_ = [narrative, phone, marker[8:16], marker]
    system = intake.system
    await wait_until(lambda: _published(system, 1))
    database, stream = dump_database(system.dsn), await dump_stream(system)
    for text in secrets_:
        assert text.encode() not in database and text.encode() not in stream
    async with system.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT grievance_id, 'grievance-' || grievance_id AS key_id FROM intake.receipts"
        )
        sealed = await conn.fetchval(
            "SELECT data->'personal'->>'ciphertext' FROM eventlog.events "
            "WHERE type = 'GrievanceSubmitted'"
        )
    assert sealed.encode() in database and sealed.encode() in stream  # held as ciphertext
    status = await open_status(intake, reference, secret)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', status.text).group(1)
    erased = await intake.client.post(
        f"/t/{TENANT}/status", data={"csrf": csrf, "do": "erase", "confirm": "yes"}
    )
    assert erased.status_code == 303
    stream_id = f"grievance-{row['grievance_id']}"
    assert await wait_for_version(system.pool, Grievances(), stream_id, 2, timeout=10)
    database = dump_database(system.dsn)
    for text in secrets_:
        assert text.encode() not in database
    async with system.pool.acquire() as conn:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM keyring.data_keys WHERE key_id = $1", row["key_id"]
            )
            == 0
        )
        keyring = intake.app.state.runtime.extras["intake"].keyring
        from redress.events.catalogue.grievance import Sealed

        assert await keyring.open(conn, Sealed(key_id=row["key_id"], ciphertext=sealed)) is None
    types = [e.type for e in await system.store.read_stream(stream_id)]
    assert types == ["GrievanceSubmitted", "PersonalDataErased"]


async def test_worker_address_reaches_no_log_line_and_no_event(intake, capsys):
    forwarded = "198.51.100.23"
    tokens = await fresh_form(intake)
    page = await intake.client.post(
        f"/t/{TENANT}/report",
        data={**tokens, "lang": "en", "country": "BD", "category": "other",
              "narrative": "Nobody should know where I wrote from.", "submit": "1"},
        headers={"X-Forwarded-For": forwarded, "X-Real-IP": forwarded},
    )  # fmt: skip
    assert page.status_code == 303
    await wait_until(lambda: _published(intake.system, 1))
    logs = capsys.readouterr()
    output = logs.out + logs.err
    assert '"route": "/t/{tenant}/report"' in output  # requests are logged...
    for address in (CLIENT_ADDRESS[0], forwarded):  # ...but never who sent them
        assert address not in output
        assert address.encode() not in dump_database(intake.system.dsn)
        assert address.encode() not in await dump_stream(intake.system)


async def _published(system, n):
    return await system.bus.last_sequence(system.js) >= n + 5  # after the tenant's 5 events
