"""Outbound texts go through a provider adapter: a Twilio-style SMS HTTP API first.

`Provider` is what the sender needs of any provider, so that a messaging-app provider plugs
in beside SMS: send one text to one number under a key the provider may use to drop a
repeat, answering whether it was taken, refused, or should be tried again. Every call has a
deadline; no answer, error or log line carries the number or the words.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

import httpx


@dataclass(frozen=True)
class Outcome:
    """What the provider said of one text."""

    provider_id: str | None = None  # the provider's id of the message, once taken
    retry: bool = False  # a passing failure (no answer, 429, 5xx): try again later
    reason: str = ""
    retry_after: float | None = None

    @property
    def taken(self) -> bool:
        return self.provider_id is not None


class Provider(Protocol):
    name: str

    async def send(self, to: str, body: str, key: str, status_callback: str | None) -> Outcome: ...

    async def aclose(self) -> None: ...


class TwilioStyle:
    """POST {base}/2010-04-01/Accounts/{account}/Messages.json with To, From, Body and
    StatusCallback as a form, HTTP Basic with the account and its token; 201 with the
    message's `sid` when taken. The text's key rides in `Idempotency-Key`: a provider that
    honours it drops a repeat after a lost answer (the fake one does)."""

    name = "twilio"

    def __init__(
        self,
        base_url: str,
        account: str,
        token: str,
        sender: str,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account}/Messages.json"
        self.sender = sender
        self.timeout = timeout
        self.client = httpx.AsyncClient(
            auth=(account, token),
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            trust_env=False,  # never through a proxy from the environment
            transport=transport,
            headers={"user-agent": "Redress-SMS/1"},
        )

    async def send(self, to: str, body: str, key: str, status_callback: str | None) -> Outcome:
        form = {"To": to, "From": self.sender, "Body": body}
        if status_callback:
            form["StatusCallback"] = status_callback
        try:
            async with asyncio.timeout(self.timeout):
                answer = await self.client.post(
                    self.url, data=form, headers={"Idempotency-Key": key}
                )
        except (TimeoutError, httpx.TimeoutException):
            return Outcome(retry=True, reason="no answer in time")
        except httpx.HTTPError as exc:
            # The exception's text may quote the request: only its kind is kept.
            return Outcome(retry=True, reason=f"{type(exc).__name__}")
        if answer.status_code in (200, 201):
            sid = _sid(answer)
            if sid:
                return Outcome(provider_id=sid)
            return Outcome(retry=True, reason="answer without a message id")
        if answer.status_code == 429 or answer.status_code >= 500:
            return Outcome(
                retry=True,
                reason=f"HTTP {answer.status_code}",
                retry_after=_seconds(answer.headers.get("retry-after")),
            )
        return Outcome(reason=f"refused: HTTP {answer.status_code}")

    async def aclose(self) -> None:
        await self.client.aclose()


def _sid(answer: httpx.Response) -> str | None:
    try:
        sid = answer.json().get("sid")
    except ValueError:
        return None
    return str(sid)[:100] if isinstance(sid, str) and sid else None


def _seconds(value: str | None) -> float | None:
    try:
        return min(3600.0, max(0.0, float(value))) if value else None
    except ValueError:
        return None
