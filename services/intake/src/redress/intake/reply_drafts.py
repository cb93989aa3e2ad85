"""A reply (or a comment objecting to the plan) typed after the session ended, kept while
the worker opens the report again.

It cannot ride in a cookie of its own: a browser drops a cookie over 4 KB, about 3,000
characters of Latin script and 500 of Arabic once sealed. So the text waits here, sealed
under a key made for it alone, and the worker's browser holds that key and the draft's id
in a small sealed cookie, which the status page clears as it shows the text (a page that
never reached the worker leaves the cookie, and a reload shows the text again). A grievance
has one draft at most, the latest; rows past their ten minutes are never read, and the
retention sweep deletes them (`sweep`). Here, and in the WAL and backups, a draft cannot be
read without the browser's cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from datetime import timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from starlette.requests import Request
from starlette.responses import Response

from redress.events.store import Conn
from redress.intake import sealed
from redress.intake.context import Intake
from redress.intake.web_common import NOTHING_UNSENT, TYPED_LIMIT, Unsent, written_for
from redress.kit.deps import Pool

LIFETIME = timedelta(minutes=10)
# Twice what a box takes: a longer text never came from a browser, and is cut to this.
CARRIED = 2 * TYPED_LIMIT


async def keep(
    conn: Conn, owner_key: bytes, tenant: str, grievance_id: str, draft: dict[str, Any]
) -> dict[str, str]:
    """Store the draft sealed, in place of the grievance's one before; the answer, for the
    browser only, opens it."""
    draft_id, key, nonce = secrets.token_urlsafe(16), AESGCM.generate_key(256), os.urandom(12)
    plain = json.dumps(draft, ensure_ascii=False).encode()
    body = nonce + AESGCM(key).encrypt(nonce, plain, draft_id.encode())
    owner = hmac.new(owner_key, f"draft|{tenant}|{grievance_id}".encode(), hashlib.sha256)
    await conn.execute(
        """INSERT INTO intake.reply_drafts (draft_id, owner, tenant, sealed, expires_at)
           VALUES ($1, $2, $3, $4, now() + $5::interval)
           ON CONFLICT (owner) DO UPDATE SET draft_id = $1, tenant = $3, sealed = $4,
               expires_at = now() + $5::interval""",
        draft_id, owner.hexdigest(), tenant, body, LIFETIME,
    )  # fmt: skip
    return {"id": draft_id, "k": base64.urlsafe_b64encode(key).decode()}


async def take(conn: Conn, tenant: str, ticket: dict[str, Any]) -> dict[str, Any] | None:
    """The draft the ticket opens; None if gone, replaced, expired or forged."""
    draft_id, key = ticket.get("id"), ticket.get("k")
    if not isinstance(draft_id, str) or not isinstance(key, str):
        return None
    body = await conn.fetchval(
        "SELECT sealed FROM intake.reply_drafts "
        "WHERE draft_id = $1 AND tenant = $2 AND expires_at > now()",
        draft_id, tenant,
    )  # fmt: skip
    if body is None:
        return None
    try:
        opened = AESGCM(base64.urlsafe_b64decode(key)).decrypt(
            body[:12], body[12:], draft_id.encode()
        )
    except (ValueError, InvalidTag):
        return None
    draft = json.loads(opened)
    return draft if isinstance(draft, dict) else None


# The cookie holding the way to the draft, scoped to the status page that reads it.
COOKIE = "reply_draft"


async def carry(
    conn: Conn, intake: Intake, request: Request, response: Response, tenant: str,
    grievance_id: str, unsent: Unsent,
) -> None:  # fmt: skip
    """Keep what the worker typed for the status page the response leads to, if it was
    written for this grievance: a phone shared by two workers never hands one's text to the
    other's report."""
    if written_for(intake, unsent.origin) != grievance_id:
        return
    reply, plan = (t[:CARRIED] if t else None for t in (unsent.reply, unsent.plan))
    draft = {"g": grievance_id, "m": reply, "r": unsent.retaliation, "p": plan,
             "t": sorted(unsent.ticked)}  # fmt: skip
    ticket = await keep(conn, intake.receipt_key, tenant, grievance_id, draft)
    seconds = int(LIFETIME.total_seconds())
    token = sealed.seal(intake.receipt_key, COOKIE, ticket, seconds)
    sealed.set_sealed(request, response, COOKIE, token, seconds, f"/t/{tenant}/status")


async def carry_rest(
    pool: Pool, intake: Intake, request: Request, response: Response, tenant: str,
    grievance_id: str, rest: Unsent,
) -> Response:  # fmt: skip
    """After a button of the status page's reply form did its part (a reply or an objection
    sent, contact changed), keep what was typed beside it and not sent, for the page the
    response leads to."""
    if rest.reply or rest.plan or rest.ticked:
        async with pool.acquire() as conn:
            await carry(conn, intake, request, response, tenant, grievance_id, rest)
    return response


async def carried(
    conn: Conn, intake: Intake, request: Request, tenant: str, grievance_id: str
) -> Unsent:
    """What was carried to this status page for this grievance, else nothing: read until
    the answer showing it clears the cookie (`forget`)."""
    ticket = sealed.unseal(intake.receipt_key, COOKIE, request.cookies.get(COOKIE))
    draft = await take(conn, tenant, ticket) if ticket else None
    if not draft or draft.get("g") != grievance_id:
        return NOTHING_UNSENT
    boxes = draft.get("t")
    return Unsent.kept(draft.get("m"), draft.get("r") is True, draft.get("p"),
                       ticked=boxes if isinstance(boxes, list) else ())  # fmt: skip


async def sweep(conn: Conn) -> int:
    """Delete the drafts nobody came back for within their ten minutes; return how many."""
    done = await conn.execute("DELETE FROM intake.reply_drafts WHERE expires_at <= now()")
    return int(done.split()[-1])


def forget(request: Request, response: Response, tenant: str) -> None:
    """The cookie goes with the answer that shows what it led to."""
    if COOKIE in request.cookies:
        sealed.clear(request, response, COOKIE, f"/t/{tenant}/status")
