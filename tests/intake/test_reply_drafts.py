"""A reply kept while the worker opens the report again (`redress.intake.reply_drafts`): read
once, only with the browser's ticket, only for its initiative and its ten minutes, and never
readable from the table's bytes."""

from __future__ import annotations

from redress.intake import reply_drafts

REPLY = "لم يتغير شيء في المصنع منذ الزيارة. " * 150


async def test_a_draft_opens_once_with_its_ticket_and_its_table_holds_only_noise(system):
    async with system.pool.acquire() as conn:
        ticket = await reply_drafts.keep(conn, "t1", {"g": "g1", "m": REPLY, "r": True})
        stored = await conn.fetchval(
            "SELECT sealed FROM intake.reply_drafts WHERE draft_id = $1", ticket["id"]
        )
        assert REPLY.encode() not in stored and "المصنع".encode() not in stored
        assert await reply_drafts.take(conn, "t2", ticket) is None  # another initiative's
        forged = ticket | {"k": ticket["k"][::-1]}
        assert await reply_drafts.take(conn, "t1", forged) is None
        # Whoever holds the id may end the draft, never read it.
        assert await reply_drafts.take(conn, "t1", ticket) is None
        kept = await reply_drafts.keep(conn, "t1", {"g": "g1", "m": REPLY, "r": False})
        assert await reply_drafts.take(conn, "t1", kept) == {"g": "g1", "m": REPLY, "r": False}
        assert await reply_drafts.take(conn, "t1", kept) is None  # once only
        assert await reply_drafts.take(conn, "t1", {"id": 1, "k": None}) is None


async def test_an_expired_draft_is_not_given_back_and_is_deleted_by_the_next(system):
    async with system.pool.acquire() as conn:
        old = await reply_drafts.keep(conn, "t1", {"g": "g1", "m": "late", "r": False})
        await conn.execute(
            "UPDATE intake.reply_drafts SET expires_at = now() - interval '1 second' "
            "WHERE draft_id = $1", old["id"],
        )  # fmt: skip
        assert await reply_drafts.take(conn, "t1", old) is None
        stale = await reply_drafts.keep(conn, "t1", {"g": "g1", "m": "stale", "r": False})
        await conn.execute(
            "UPDATE intake.reply_drafts SET expires_at = now() - interval '1 second' "
            "WHERE draft_id = $1", stale["id"],
        )  # fmt: skip
        await reply_drafts.keep(conn, "t1", {"g": "g2", "m": "new", "r": False})
        left = await conn.fetchval(
            "SELECT count(*) FROM intake.reply_drafts WHERE draft_id = $1", stale["id"]
        )
        assert left == 0
