"""Erasure that holds against the disk: a rotation of the key-encryption key (KEK).

After a worker's erasure and the next rotation, the old KEK is in no file the platform
keeps, and the erased data key's wrapped bytes, which survive in WAL and dead tuples,
unwrap with no key the platform can read. What was not erased stays readable, and proofs
of filing handed out before the rotation still verify.

The first test reads PostgreSQL's and NATS's files: run it on the embedded servers
(REDRESS_DATABASE_URL and REDRESS_NATS_URL unset).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.exceptions import InvalidTag

from redress.events.catalogue.grievance import GrievanceSubmitted
from redress.events.projection import wait_for_version
from redress.events.timers import FixedClock
from redress.intake.context import build
from redress.intake.housekeeping import set_clock
from redress.intake.lookup_keys import number_keys
from redress.intake.projections import Grievances
from redress.intake.receipts import Proof
from redress.kit.crypto import DataKeyExists, Keyring, grievance_key_id, unwrap
from redress.kit.keyset import INITIAL, Keyset, KeysetFile, root_secret
from redress.kit.rotation import rotate
from tests.disk import (
    database_dump,
    directory_files,
    postgres_files,
    stream_store_files,
    wal_files,
)
from tests.events.helpers import wait_until
from tests.intake.conftest import TENANT
from tests.intake.test_api import GRIEVANCE
from tests.intake.test_lookup_keys import text as send_text
from tests.intake.test_privacy import _published
from tests.intake.test_web import file_report, open_status
from tests.kit.test_cli import redress, system_env


async def file_by_operator(intake, narrative: str) -> dict:
    body = {k: v for k, v in GRIEVANCE.items() if k != "member_reference"} | {
        "narrative": narrative
    }
    answer = await intake.client.post(
        "/v1/operator/grievances", json=body, headers=intake.token(roles=("operator",))
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def erase_by_worker(intake, reference: str, secret: str) -> None:
    status = await open_status(intake, reference, secret)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', status.text).group(1)
    erased = await intake.client.post(
        f"/t/{TENANT}/status", data={"csrf": csrf, "do": "erase", "confirm": "yes"}
    )
    assert erased.status_code == 303


async def narrative_of(intake, keyring: Keyring, stream: str) -> bytes | None:
    submitted = (await intake.system.store.read_stream(stream))[0].data
    assert isinstance(submitted, GrievanceSubmitted)
    async with intake.system.pool.acquire() as conn:
        return await keyring.open(conn, submitted.personal)


# Writes and scans every copy on disk (WAL, stream store, backup): disk-bound, 90 s on a
# quiet machine, twice that when the disk is shared.
@pytest.mark.timeout(420)
async def test_after_a_rotation_an_erased_key_is_unreadable_from_every_copy_on_disk(
    intake, servers, tmp_path
):
    system, settings = intake.system, intake.settings
    marker = uuid.uuid4().hex
    live = await file_by_operator(intake, f"Still open {marker}")
    narrative, phone = f"The manager {marker} threatened us", f"+855{int(marker[:8], 16)}"
    reference, secret = await file_report(intake, narrative=narrative, contact=phone)
    # A worker who texts: their number finds their thread by a keyed hash of it.
    texter = f"+856{int(marker[8:16], 16)}"
    answer = await send_text(intake, texter, f"They keep our passports {marker}", "SM-rotation")
    sms_reference, sms_secret = re.search(r"Reference: (R-\w+)\. Secret number: ([\d ]+)",
                                          answer).groups()  # fmt: skip
    async with system.pool.acquire() as conn:
        gid = await conn.fetchval(
            "SELECT grievance_id FROM intake.receipts WHERE grievance_id <> $1",
            live["grievance_id"],
        )
        key_id = grievance_key_id(gid)
        wrapped = await conn.fetchval(
            "SELECT wrapped FROM keyring.data_keys WHERE key_id = $1", key_id
        )
    before = KeysetFile(settings.keyset_path).keyset()
    assert before.current == INITIAL
    old_kek = before.key
    old_forms = (old_kek, base64.b64encode(old_kek))
    # The threat is real: the old KEK sits in the keyset file, and unwraps the data key.
    assert old_forms[1] in directory_files(tmp_path)
    assert len(unwrap(old_kek, key_id, wrapped)) == 32
    await wait_until(lambda: _published(system, 2))
    await scan_for_canaries(servers, system, tmp_path, (narrative, phone, marker))

    # The hashes that find the two numbers are on disk, under a key the platform holds.
    threat = await number_hashes(intake, (phone, texter))
    async with system.pool.acquire() as conn:
        stored = {r["k"] for r in await conn.fetch(
            "SELECT contact_key AS k FROM intake.contact_keys "
            "UNION SELECT thread_key FROM intake.sms_threads"
        )}  # fmt: skip
    threat = stored & set(threat)
    assert len(threat) == 2
    await erase_by_worker(intake, reference, secret)
    intake.client.cookies.clear()  # the first worker's session ends: another phone
    await erase_by_worker(intake, sms_reference, sms_secret)
    assert await wait_for_version(system.pool, Grievances(), f"grievance-{gid}", 2, timeout=10)
    assert wrapped in await wal_files(servers)  # the deleted row lives on in the WAL

    rotated = redress("keys", "rotate", env=system_env(system, tmp_path))
    assert rotated.returncode == 0, rotated.stderr
    assert "data keys re-wrapped" in rotated.stderr and INITIAL in rotated.stderr

    after = KeysetFile(settings.keyset_path).keyset()
    assert list(after.keys) == [after.current] and after.current != INITIAL
    disk = {
        "data directory": directory_files(tmp_path),
        "PostgreSQL files and WAL": await postgres_files(servers),
        "stream store": stream_store_files(servers),
        "database dump": database_dump(system.dsn),
    }
    # Every hash of the numbers under a key the platform can still read: none is on disk.
    readable_hashes = await number_hashes(intake, (phone, texter))
    assert not set(readable_hashes) & threat  # the lookup key was replaced
    for where, blob in disk.items():
        for form in old_forms:
            assert form not in blob, f"the old KEK is still in the {where}"
        for number_hash in readable_hashes:
            assert number_hash.encode() not in blob, f"a number's hash is in the {where}"
        for text in (narrative, phone, marker):
            assert text.encode() not in blob, f"a canary is in plaintext in the {where}"
    assert wrapped in disk["PostgreSQL files and WAL"]  # still there, yet:
    readable = [*after.keys.values(), root_secret(settings)]
    for key in readable:
        with pytest.raises(InvalidTag):
            unwrap(key, key_id, wrapped)
    live_key = grievance_key_id(live["grievance_id"])
    assert await _kek_of(system, live_key) == after.current  # re-wrapped, not re-keyed:

    # What was not erased reads as before, in the running service and in a restarted one.
    running = intake.app.state.runtime.extras["intake"]
    restarted = build(settings)
    for keyring in (running.keyring, restarted.keyring):
        personal = json.loads(await narrative_of(intake, keyring, live["stream"]) or "{}")
        assert personal["narrative"] == f"Still open {marker}"
    assert Proof.verify(live["proof"], restarted.proof_key) is not None
    assert Proof.verify(live["proof"], running.proof_key) is not None


async def number_hashes(intake, numbers) -> list[str]:
    """The hashes of `numbers` under every lookup key the platform can read now, and under
    the key derived from the root secret (the rows from before lookup keys)."""
    found = []
    async with intake.system.pool.acquire() as conn:
        for number in numbers:
            # A restarted intake reads the keyset anew.
            keys = await number_keys(conn, build(intake.settings), TENANT, number)
            found += keys.candidates
    return found


async def scan_for_canaries(servers, system, data_dir, canaries) -> None:
    """No canary in plaintext in any file the platform keeps."""
    disk = {
        "data directory": directory_files(data_dir),
        "PostgreSQL files and WAL": await postgres_files(servers),
        "stream store": stream_store_files(servers),
        "database dump": database_dump(system.dsn),
    }
    for where, blob in disk.items():
        for text in canaries:
            assert text.encode() not in blob, f"a canary is in plaintext in the {where}"


async def _kek_of(system, key_id: str) -> str:
    async with system.pool.acquire() as conn:
        return await conn.fetchval("SELECT kek_id FROM keyring.data_keys WHERE key_id = $1", key_id)


class StaleKeyset(KeysetFile):
    """A process that has not yet noticed the rewritten keyset file."""

    def keyset(self, *, force: bool = False) -> Keyset:
        if force or self._keyset is None:
            return super().keyset(force=True)
        return self._keyset


async def test_data_keys_wrapped_by_a_stale_process_during_rotation_are_not_lost(intake):
    system, path = intake.system, intake.settings.keyset_path
    stale, reader = Keyring(StaleKeyset(path)), Keyring(StaleKeyset(path))
    stale.keys.keyset(), reader.keys.keyset()
    created = []
    async with system.pool.acquire() as conn:
        for i in range(20):
            key_id = f"grievance-before-{i}"
            created.append((key_id, await Keyring(KeysetFile(path)).create(conn, key_id, TENANT)))
    rotation = asyncio.create_task(rotate(system.dsn, system.pool, KeysetFile(path), batch=4))
    raced = 0
    while not rotation.done():  # a stale process goes on wrapping under the old KEK
        async with system.pool.acquire() as conn:
            key_id = f"grievance-stale-{len(created)}"
            created.append((key_id, await stale.create(conn, key_id, TENANT)))
            raced += await conn.fetchval(
                "SELECT kek_id = $2 FROM keyring.data_keys WHERE key_id = $1", key_id, INITIAL
            )
        await asyncio.sleep(0)
    done = await rotation
    async with system.pool.acquire() as conn:  # and once more, after the KEK was retired
        created.append(("grievance-late", await stale.create(conn, "grievance-late", TENANT)))
        keks = {r["kek_id"] for r in await conn.fetch("SELECT kek_id FROM keyring.data_keys")}
        assert keks == {done.kek_id}
        assert [r["kek_id"] for r in await conn.fetch("SELECT kek_id FROM keyring.keks")] == [
            done.kek_id
        ]
        # A reader that knows only the old KEK meets the new one and reloads: still readable.
        for keyring in (reader, Keyring(KeysetFile(path))):
            for key_id, key in created:
                assert (await keyring.get(conn, key_id)).secret == key.secret
    assert list(KeysetFile(path).keyset().keys) == [done.kek_id]
    assert done.retired == (INITIAL,) and done.rewrapped >= 20 + raced
    assert raced > 0  # the race happened: keys were wrapped under the old KEK mid-rotation


async def test_a_data_key_asked_for_twice_fails_nothing_else_of_the_transaction(intake):
    """Without a savepoint around it, a key that exists must not abort the caller's
    transaction: intake's own role, as a filing uses it, writes on after the refusal."""
    keyring = intake.app.state.runtime.extras["intake"].keyring
    async with intake.app.state.runtime.pool.acquire() as conn:
        async with conn.transaction():
            first = await keyring.create(conn, "grievance-twice", TENANT)
            with pytest.raises(DataKeyExists):
                await keyring.create(conn, "grievance-twice", TENANT)
            other = await keyring.create(conn, "grievance-after-twice", TENANT)
        assert (await keyring.get(conn, "grievance-twice")).secret == first.secret
        assert (await keyring.get(conn, "grievance-after-twice")).secret == other.secret


async def test_the_key_encryption_key_rotates_by_itself_once_its_period_is_over(intake):
    runtime, path = intake.app.state.runtime, intake.settings.keyset_path
    clock = FixedClock(datetime.now(UTC))
    set_clock(runtime, clock)
    schedule = runtime.extras["housekeeping"].rotation
    assert schedule.every == timedelta(days=7)  # the documented default
    filed = await file_by_operator(intake, "Filed before the scheduled rotations")
    clock.at += timedelta(days=6, hours=23)
    assert await schedule.tick() is None
    assert KeysetFile(path).keyset().current == INITIAL
    clock.at += timedelta(hours=1)
    first = await schedule.tick()
    assert first is not None and first.retired == (INITIAL,) and first.rewrapped >= 1
    assert await schedule.tick() is None  # the new KEK is dated by the same clock
    clock.at += timedelta(days=7)
    second = await schedule.tick()
    assert second is not None and second.retired == (first.kek_id,)
    assert list(KeysetFile(path).keyset().keys) == [second.kek_id]
    keyring = runtime.extras["intake"].keyring
    personal = json.loads(await narrative_of(intake, keyring, filed["stream"]) or "{}")
    assert personal["narrative"] == "Filed before the scheduled rotations"
