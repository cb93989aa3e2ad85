"""A fake Twilio-style SMS provider: takes texts, records every request, sends nothing.

Served on loopback by the tests, and by intake itself in dev mode (`/dev/sms-provider`, where
`redress dev` points `REDRESS_SMS_PROVIDER_URL`), so that a developer sees what workers would
be texted. It checks the account's credentials, answers 201 with a message id, and drops a
repeat of an `Idempotency-Key` it has seen (answering the first message id). `failing` makes
it answer that status to every request (a provider in trouble).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse


@dataclass(frozen=True)
class Taken:
    sid: str
    to: str = field(repr=False)  # never in a test's output
    sender: str
    body: str
    status_callback: str | None


@dataclass
class FakeProvider:
    account: str
    token: str
    requests: list[dict[str, Any]] = field(default_factory=list)  # every request, as sent
    taken: list[Taken] = field(default_factory=list)  # each text once
    failing: int | None = None
    # Whether it answers at all (intake's own copy answers in dev mode only).
    serves: Callable[[FakeProvider, Request], bool] = lambda _, __: True
    _by_key: dict[str, str] = field(default_factory=dict)

    def router(self, prefix: str = "") -> APIRouter:
        router = APIRouter(prefix=prefix, include_in_schema=False)

        @router.post("/2010-04-01/Accounts/{account}/Messages.json")
        async def messages(request: Request, account: str) -> JSONResponse:
            if not self.serves(self, request):
                return JSONResponse({"message": "not found"}, 404)
            form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
            self.requests.append({"headers": dict(request.headers), "form": form})
            if not self._authorised(request, account):
                return JSONResponse({"code": 20003, "message": "Authenticate"}, 401)
            if self.failing is not None:
                return JSONResponse({"message": "unavailable"}, self.failing)
            if not form.get("To") or not form.get("Body"):
                return JSONResponse({"code": 21604, "message": "To and Body are required"}, 400)
            key = request.headers.get("idempotency-key")
            if key and key in self._by_key:
                return JSONResponse({"sid": self._by_key[key], "status": "queued"}, 201)
            sid = "SM" + secrets.token_hex(16)
            if key:
                self._by_key[key] = sid
            self.taken.append(Taken(sid, form["To"], form.get("From", ""), form["Body"],
                                    form.get("StatusCallback")))  # fmt: skip
            return JSONResponse({"sid": sid, "status": "queued"}, 201)

        @router.get("/messages")
        async def listing(request: Request) -> JSONResponse:
            """What would have been texted, newest first; of each number its last two digits."""
            if not self.serves(self, request):
                return JSONResponse({"message": "not found"}, 404)
            shown = [{**t.__dict__, "to": "…" + t.to[-2:]} for t in reversed(self.taken[-50:])]
            return JSONResponse(shown)

        return router

    def _authorised(self, request: Request, account: str) -> bool:
        expected = base64.b64encode(f"{self.account}:{self.token}".encode()).decode()
        given = request.headers.get("authorization", "")
        return account == self.account and secrets.compare_digest(given, f"Basic {expected}")


def _dev_only(provider: FakeProvider, request: Request) -> bool:
    runtime = request.app.state.runtime
    provider.account = runtime.settings.sms_account
    provider.token = runtime.extras["intake"].sms_auth_token or ""
    return bool(runtime.settings.dev)


DEV_PROVIDER = FakeProvider("", "", serves=_dev_only)
DEV_PREFIX = "/dev/sms-provider"
router = DEV_PROVIDER.router(DEV_PREFIX)
