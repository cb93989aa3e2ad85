"""What intake holds beside the kit's runtime: keys, pages, and derived secrets."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from redress.intake.guards import OperatorGuard, ReceiptGuard
from redress.intake.pages import Pages
from redress.kit.crypto import Keyring
from redress.kit.errors import Problem
from redress.kit.keyset import derive, keyset_file, root_secret
from redress.kit.runtime import Runtime
from redress.kit.settings import Settings
from redress.kit.throttle import Throttle, client_address, retry_after

HERE = Path(__file__).parent


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
    # The hotline desk's call, kept open between the operator's forms (`desk`).
    call_key: bytes
    csrf_key: bytes
    # Only to find rows hashed before lookup keys (`redress.intake.lookup_keys`).
    legacy_number_key: bytes
    form_key: bytes
    receipt_key: bytes
    reference_key: bytes
    pages: Pages
    sms_auth_token: str | None
    receipt_guard: ReceiptGuard
    operator_guard: OperatorGuard
    # Re-issued receipts per number: a worker's phone is not to be flooded with texts.
    reissues: Throttle
    filings: FilingLimits


def build(settings: Settings) -> Intake:
    # Derived keys come from the root secret, which never rotates: proofs of filing and
    # sessions outlive every rotation of the key-encryption key. Nothing that stays on disk
    # may be keyed by them if it could name a worker (a number's hash: lookup keys).
    root = root_secret(settings)
    return Intake(
        keyring=Keyring(keyset_file(settings)),
        proof_key=Ed25519PrivateKey.from_private_bytes(derive(root, "receipt-proof")),
        session_key=derive(root, "worker-session"),
        call_key=derive(root, "operator-call"),
        csrf_key=derive(root, "csrf"),
        legacy_number_key=derive(root, "sms-thread"),
        form_key=derive(root, "report-form"),
        receipt_key=derive(root, "receipt-cookie"),
        reference_key=derive(root, "member-reference"),
        pages=Pages(HERE / "templates", HERE / "locales"),
        sms_auth_token=settings.sms_auth_token.get_secret_value()
        if settings.sms_auth_token
        else ("dev-sms-token" if settings.dev else None),
        receipt_guard=ReceiptGuard(),
        operator_guard=OperatorGuard(),
        reissues=Throttle(per_hour=3, burst=1),
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
    root_secret(settings)
    keyset_file(settings)


async def get_intake(request: Request) -> Intake:
    intake: Intake = request.app.state.runtime.extras["intake"]
    return intake


IntakeContext = Annotated[Intake, Depends(get_intake)]
