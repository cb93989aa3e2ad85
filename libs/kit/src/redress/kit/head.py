"""HEAD answered as GET without its body, for every address that answers GET.

HTTP asks that a resource read by GET also answer HEAD (RFC 9110, 9.3.2); the routers declare
GET only, and a HEAD got 405, which link checkers, archives and monitors read as a broken
link. The request goes on as a GET; its answer's headers go back as they are (the length
of the body a GET would get included) and its body is left out.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # the body a GET would get, left out
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        # A copy: the server keeps its own scope, and knows to send no body for a HEAD.
        await self.app({**scope, "method": "GET"}, receive, headers_only)
