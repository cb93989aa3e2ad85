"""A reply kept while the worker opens the report again (`redress.intake.reply_drafts`): read
only with the browser's ticket, only for its initiative and its ten minutes, one per
grievance, and never readable from the table's bytes."""

from __future__ import annotations

from redress.intake import reply_drafts

REPLY = "لم يتغير شيء في المصنع منذ الزيارة. " * 150
KEY = b"k" * 32


async def test_a_draft_opens_with_its_ticket_and_its_table_holds_only_noise(system):
    async with system.pool.acquire() as conn:
        draft = {"g": "g1", "m": REPLY, "r": True}
        ticket = await reply_drafts.keep(conn, KEY, "t1", "g1", draft)
        stored = await conn.fetchval(
            "SELECT sealed FROM intake.reply_drafts WHERE draft_id = $1", ticket["id"]
        )
        assert REPLY.encode() not in stored and "المصنع".encode() not in stored
        assert await reply_drafts.take(conn, "t2", ticket) is None  # another initiative's
        forged = ticket | {"k": ticket["k"][::-1]}
        assert await reply_drafts.take(conn, "t1", forged) is None
        assert await reply_drafts.take(conn, "t1", {"id": 1, "k": None}) is None
        # Read again on a reload, as long as the browser keeps the ticket.
        assert await reply_drafts.take(conn, "t1", ticket) == draft
        assert await reply_drafts.take(conn, "t1", ticket) == draft


async def test_a_grievance_keeps_its_latest_draft_only_and_expired_ones_go(system):
    async with system.pool.acquire() as conn:
        first = await reply_drafts.keep(conn, KEY, "t1", "g1", {"g": "g1", "m": "first"})
        latest = await reply_drafts.keep(conn, KEY, "t1", "g1", {"g": "g1", "m": "latest"})
        other = await reply_drafts.keep(conn, KEY, "t1", "g2", {"g": "g2", "m": "other"})
        assert await reply_drafts.take(conn, "t1", first) is None
        assert await reply_drafts.take(conn, "t1", latest) == {"g": "g1", "m": "latest"}
        await conn.execute(
            "UPDATE intake.reply_drafts SET expires_at = now() - interval '1 second' "
            "WHERE draft_id = $1", other["id"],
        )  # fmt: skip
        assert await reply_drafts.take(conn, "t1", other) is None
        assert await reply_drafts.sweep(conn) == 1
        left = await conn.fetch("SELECT draft_id FROM intake.reply_drafts")
        assert {r["draft_id"] for r in left} == {latest["id"]}  # deleted, not only hidden


async def test_the_retention_sweep_deletes_drafts_nobody_came_back_for(intake):
    runtime = intake.app.state.runtime
    async with runtime.pool.acquire() as conn:
        kept = await reply_drafts.keep(conn, KEY, "t1", "g3", {"g": "g3", "m": "kept"})
        gone = await reply_drafts.keep(conn, KEY, "t1", "g4", {"g": "g4", "m": "gone"})
        await conn.execute(
            "UPDATE intake.reply_drafts SET expires_at = now() - interval '1 second' "
            "WHERE draft_id = $1", gone["id"],
        )  # fmt: skip
    await runtime.extras["housekeeping"].retention.tick()
    async with runtime.pool.acquire() as conn:
        left = {r["draft_id"] for r in await conn.fetch("SELECT draft_id FROM intake.reply_drafts")}
        assert kept["id"] in left and gone["id"] not in left
        assert await reply_drafts.take(conn, "t1", kept) == {"g": "g3", "m": "kept"}
