"""How the platform's processes run uvicorn: `redress serve`, the relay's probes, and the
tests that serve an app over real HTTP, alike."""

from __future__ import annotations

from typing import Any

UVICORN: dict[str, Any] = {
    "access_log": False,
    "log_level": "warning",
    # uvicorn's own warnings and errors (a request it cannot parse, a worker that failed
    # to start) go to the platform's log as every other library's (redress.kit.logs),
    # not to a handler of its own in another format.
    "log_config": None,
    # Named rather than "auto", which falls back to asyncio and h11 without a word.
    "loop": "uvloop",
    "http": "httptools",
    # The forwarded headers are read by the app, from REDRESS_TRUSTED_PROXIES only
    # (redress.kit.proxy and .throttle), not by uvicorn, whose own list would be a second
    # one to keep in step and would rewrite the client address for the logs.
    "proxy_headers": False,
    # Longer than any client or proxy keeps an idle connection (httpx 5 s, load balancers
    # 60 s): a server that closes first races the client's next request on it, which is
    # then lost without an answer.
    "timeout_keep_alive": 75,
}
