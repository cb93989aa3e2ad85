"""The SMS provider's side of intake: who its requests act as, and their signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac

from fastapi import Request

from redress.events.envelope import Actor
from redress.intake.context import Intake
from redress.kit.errors import Problem
from redress.kit.proxy import public_url

SMS_GATEWAY = Actor(id="sms-gateway", role="operator")


def signature(token: str, url: str, params: dict[str, str]) -> str:
    """The provider's signature: HMAC-SHA1 over the URL and the sorted parameters."""
    payload = url + "".join(k + params[k] for k in sorted(params))
    return base64.b64encode(
        hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    ).decode()


async def signed_form(request: Request, intake: Intake, given: str | None) -> dict[str, str]:
    """The provider's form, once its signature is checked as the provider makes it; 403 if not."""
    form = await request.form(max_fields=60, max_files=0)
    params = {k: v for k, v in form.items() if isinstance(v, str)}
    token = intake.sms_auth_token
    # Over the URL the provider called (and signed), not the one the proxy forwarded to.
    expected = signature(token, public_url(request), params) if token else None
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise Problem(403, "bad-signature", "the request signature does not match")
    return params
