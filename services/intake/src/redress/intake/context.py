"""What intake holds beside the kit's runtime: keys, pages, and derived secrets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, Request

from redress.intake.guards import ReceiptGuard
from redress.intake.pages import Pages
from redress.kit.crypto import Keyring
from redress.kit.keyset import derive, keyset_file, root_secret
from redress.kit.runtime import Runtime
from redress.kit.settings import Settings

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Intake:
    keyring: Keyring
    proof_key: Ed25519PrivateKey
    session_key: bytes
    csrf_key: bytes
    thread_key: bytes
    form_key: bytes
    receipt_key: bytes
    pages: Pages
    sms_auth_token: str | None
    receipt_guard: ReceiptGuard
    client_header: str | None


def build(settings: Settings) -> Intake:
    # Derived keys come from the root secret, which never rotates: proofs of filing,
    # sessions and SMS threads outlive every rotation of the key-encryption key.
    root = root_secret(settings)
    return Intake(
        keyring=Keyring(keyset_file(settings)),
        proof_key=Ed25519PrivateKey.from_private_bytes(derive(root, "receipt-proof")),
        session_key=derive(root, "worker-session"),
        csrf_key=derive(root, "csrf"),
        thread_key=derive(root, "sms-thread"),
        form_key=derive(root, "report-form"),
        receipt_key=derive(root, "receipt-cookie"),
        pages=Pages(HERE / "templates", HERE / "locales"),
        sms_auth_token=settings.sms_auth_token.get_secret_value()
        if settings.sms_auth_token
        else ("dev-sms-token" if settings.dev else None),
        receipt_guard=ReceiptGuard(),
        client_header=settings.trusted_client_header,
    )


async def start(runtime: Runtime) -> None:
    runtime.extras["intake"] = build(runtime.settings)


def check(settings: Settings) -> None:
    root_secret(settings)
    keyset_file(settings)


def get_intake(request: Request) -> Intake:
    intake: Intake = request.app.state.runtime.extras["intake"]
    return intake


IntakeContext = Annotated[Intake, Depends(get_intake)]
