"""What intake holds beside the kit's runtime: keys, pages, and derived secrets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import Depends, Request

from redress.intake.pages import Pages
from redress.kit.crypto import Keyring, master_key
from redress.kit.runtime import Runtime
from redress.kit.settings import Settings

HERE = Path(__file__).parent


def derive(master: bytes, purpose: str) -> bytes:
    """A key of its own for each purpose, so that no two uses share one."""
    return HKDF(hashes.SHA256(), 32, salt=None, info=purpose.encode()).derive(master)


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
    )


async def start(runtime: Runtime) -> None:
    runtime.extras["intake"] = build(runtime.settings)


def check(settings: Settings) -> None:
    master_key(settings)


def get_intake(request: Request) -> Intake:
    intake: Intake = request.app.state.runtime.extras["intake"]
    return intake


IntakeContext = Annotated[Intake, Depends(get_intake)]
