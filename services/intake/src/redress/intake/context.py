"""What intake holds beside the kit's runtime: keys, pages, and derived secrets."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from redress.intake.pages import Pages
from redress.kit.crypto import Keyring, master_key
from redress.kit.errors import Problem
from redress.kit.runtime import Runtime
from redress.kit.settings import Settings
from redress.kit.throttle import Throttle, client_address, retry_after

HERE = Path(__file__).parent


def derive(master: bytes, purpose: str) -> bytes:
    """A key of its own for each purpose, so that no two uses share one."""
    return HKDF(hashes.SHA256(), 32, salt=None, info=purpose.encode()).derive(master)


@dataclass(frozen=True)
class FilingLimits:
    """How often anonymous workers may file from the web: per client, and per tenant."""

    per_client: Throttle
    per_tenant: Throttle
    trusted_proxies: tuple[str, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> FilingLimits:
        return cls(
            Throttle(settings.filings_per_hour_per_client, settings.filing_burst_per_client),
            Throttle(settings.filings_per_hour_per_tenant, settings.filing_burst_per_tenant),
            tuple(settings.trusted_proxies),
        )

    def forget(self) -> None:
        self.per_client.forget()
        self.per_tenant.forget()

    def check(self, connection: HTTPConnection, tenant: str) -> None:
        """Spend one filing of the client's and the tenant's; 429 with Retry-After if none."""
        client = client_address(connection, self.trusted_proxies)
        wait = self.per_client.check(f"{tenant}|{client}")
        if wait is None:
            wait = self.per_tenant.check(tenant)
        if wait is not None:
            raise Problem(
                429,
                "too-many-filings",
                "too many reports were sent from here in a short time; please try again later",
                headers=retry_after(wait),
            )


@dataclass(frozen=True)
class Intake:
    keyring: Keyring
    proof_key: Ed25519PrivateKey
    session_key: bytes
    csrf_key: bytes
    thread_key: bytes
    reference_key: bytes
    pages: Pages
    sms_auth_token: str | None
    filings: FilingLimits


def build(settings: Settings) -> Intake:
    master = master_key(settings)
    return Intake(
        keyring=Keyring(master),
        proof_key=Ed25519PrivateKey.from_private_bytes(derive(master, "receipt-proof")),
        session_key=derive(master, "worker-session"),
        csrf_key=derive(master, "csrf"),
        thread_key=derive(master, "sms-thread"),
        reference_key=derive(master, "member-reference"),
        pages=Pages(HERE / "templates", HERE / "locales"),
        sms_auth_token=settings.sms_auth_token.get_secret_value()
        if settings.sms_auth_token
        else ("dev-sms-token" if settings.dev else None),
        filings=FilingLimits.from_settings(settings),
    )


async def start(runtime: Runtime) -> None:
    runtime.extras["intake"] = build(runtime.settings)


async def forget_clients(runtime: Runtime) -> None:
    """Sweep the throttles every minute, so that no client is held past its hour."""
    while True:
        await asyncio.sleep(60)
        runtime.extras["intake"].filings.forget()


def check(settings: Settings) -> None:
    master_key(settings)


def get_intake(request: Request) -> Intake:
    intake: Intake = request.app.state.runtime.extras["intake"]
    return intake


IntakeContext = Annotated[Intake, Depends(get_intake)]
