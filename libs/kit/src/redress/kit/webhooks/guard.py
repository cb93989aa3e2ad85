"""The SSRF guard: a webhook goes only to public addresses, checked at every attempt.

Registration checks a URL's shape; only delivery time knows where its host resolves now.
Each attempt resolves the host once, refuses it when any of its addresses is loopback,
private, link-local (cloud metadata at 169.254.169.254), multicast, reserved or otherwise
not globally routable (IPv4 inside IPv6 is unwrapped first), and connects to the address it
checked, so a name cannot be re-pointed between the check and the connection. Dev and test
mode (`allow_private`) let loopback receivers in.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

Resolver = Callable[[str, int], Awaitable[list[str]]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
MAX_URL = 2048


class Refused(Exception):
    """An endpoint the guard will not send to; the message says why, without secrets."""


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return [str(info[4][0]) for info in infos]


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def public(address: Address) -> bool:
    inner = embedded_ipv4(address)
    if inner is not None and not public(inner):
        return False
    return address.is_global and not address.is_multicast


def parse_url(url: str, *, allow_private: bool = False) -> httpx.URL:
    """An endpoint URL as registration accepts it: http(s), a host, no credentials.

    Outside dev mode it must be https, and a literal address must be public; a name is
    checked again, resolved, at each attempt.
    """
    if len(url) > MAX_URL:
        raise Refused(f"the URL is longer than {MAX_URL} characters")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise Refused(f"not a URL: {exc}") from None
    schemes = ("http", "https") if allow_private else ("https",)
    if parsed.scheme not in schemes:
        raise Refused(f"the URL must be {' or '.join(schemes)}")
    if not parsed.host:
        raise Refused("the URL names no host")
    if parsed.userinfo:
        raise Refused("the URL must not carry credentials")
    if parsed.fragment:
        raise Refused("the URL must not have a fragment")
    literal = _literal(parsed.host)
    if literal is not None and not allow_private and not public(literal):
        raise Refused(f"{literal} is not a public address")
    if not allow_private and parsed.host.rstrip(".").lower().endswith("localhost"):
        raise Refused("localhost is not a public host")
    return parsed


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


@dataclass(frozen=True)
class Target:
    """Where one attempt connects: the checked address, and the name it stands for."""

    url: httpx.URL  # with the address in place of the name
    host: str  # the Host header
    server_name: str | None  # TLS SNI and certificate name (https)


@dataclass(frozen=True)
class Guard:
    allow_private: bool = False
    resolver: Resolver = system_resolver
    timeout: float = 5.0

    async def target(self, url: str) -> Target:
        """Resolve and check `url` now; raise `Refused` if it may not be sent to."""
        parsed = parse_url(url, allow_private=self.allow_private)
        host = parsed.host
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        literal = _literal(host)
        if literal is not None:
            addresses: list[Address] = [literal]
        else:
            try:
                found = await asyncio.wait_for(self.resolver(host, port), self.timeout)
            except (OSError, TimeoutError) as exc:
                raise Refused(f"{host} does not resolve: {type(exc).__name__}") from None
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in found]
            if not addresses:
                raise Refused(f"{host} does not resolve")
        if not self.allow_private:
            for address in addresses:
                if not public(address):
                    raise Refused(f"{host} resolves to {address}, which is not public")
        chosen = addresses[0]
        netloc_host = parsed.netloc.decode("ascii")
        return Target(
            url=parsed.copy_with(host=str(chosen)),
            host=netloc_host,
            server_name=host if parsed.scheme == "https" and literal is None else None,
        )
