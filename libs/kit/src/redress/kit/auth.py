"""Bearer JWTs with OIDC claims plus `tenant`, `roles` and `org`.

In dev mode the platform signs its own (Ed25519) and verifies with the same key; otherwise
tokens come from the MSI's identity provider and are verified with the keys it publishes,
found by OIDC discovery from `REDRESS_OIDC_ISSUER` (or at `REDRESS_JWKS_URL`): see jwks.py.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from redress.kit.jwks import ProviderKeys
from redress.kit.keyset import create_exclusively
from redress.kit.settings import ConfigurationError, Settings
from redress.kit.sources import explained

log = structlog.get_logger("redress.auth")


class Principal(BaseModel):
    """Who is calling: staff, a member company, a partner; never an anonymous worker."""

    model_config = ConfigDict(frozen=True)

    sub: str = Field(max_length=200)
    tenant: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    roles: frozenset[str] = frozenset()
    org: str | None = Field(None, max_length=200)
    # The role that authorised the request's action (set by `deps.authorise`, never by a
    # token): events record it as the actor's role.
    acting_as: str | None = Field(None, exclude=True)


class InvalidToken(Exception):
    """A refused token. Its message is the same whatever the reason, so that a caller learns
    nothing of how tokens are checked; `reason` is for the log only."""

    PUBLIC = "the token is invalid or expired"

    def __init__(self, reason: str) -> None:
        super().__init__(self.PUBLIC)
        self.reason = reason


class NotThisClients(InvalidToken):
    """An ID token issued to another client than ours (its `azp`), or to several audiences
    without saying which of them it is for (OpenID Connect Core 1.0, 3.1.3.7)."""


class _Claims(BaseModel):
    """The claims a token must carry, with their types checked strictly: a signature proves
    who wrote the token, not that its claims are well formed."""

    model_config = ConfigDict(strict=True, extra="ignore")

    sub: str
    tenant: str
    roles: list[str] = Field(default_factory=list, max_length=20)
    org: str | None = None
    iat: int | float
    exp: int | float


def load_or_create_dev_key(path: Path) -> Ed25519PrivateKey:
    """The dev signing key at `path`, made there if none exists yet. The services of
    `redress dev` start at once and each may find none: the first to link its key into place
    wins, and every process then signs and verifies with that one."""
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        create_exclusively(path, pem.decode())
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"{path} is not an Ed25519 private key")
    return key


@dataclass
class TokenSigner:
    """Issues tokens in dev mode (the CLI's `redress token issue`, tests, demo data)."""

    key: Ed25519PrivateKey
    issuer: str
    audience: str

    def issue(
        self,
        sub: str,
        tenant: str,
        roles: list[str],
        org: str | None = None,
        ttl: int = 8 * 3600,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": sub,
            "iat": now,
            "exp": now + ttl,
            "tenant": tenant,
            "roles": roles,
        }
        if org:
            claims["org"] = org
        return jwt.encode(claims, self.key, algorithm="EdDSA")


class TokenVerifier:
    """Checks bearer tokens: signature, issuer, audience, times (with `token_leeway` of clock
    skew either way) and the platform's claims."""

    def __init__(self, settings: Settings, dev_key: Ed25519PrivateKey | None = None) -> None:
        self.issuer = settings.token_issuer
        self.audience = settings.jwt_audience
        self.client_id = settings.oidc_client_id or settings.jwt_audience
        self.max_lifetime = settings.token_max_lifetime
        self.leeway = settings.token_leeway
        self._public = dev_key.public_key() if dev_key is not None else None
        self._provider = (
            None
            if dev_key is not None
            else ProviderKeys(
                issuer=settings.oidc_issuer,
                jwks_url=settings.jwks_url,
                timeout=settings.jwks_timeout,
                refresh_interval=settings.jwks_refresh_interval,
            )
        )

    @property
    def provider(self) -> ProviderKeys | None:
        """The identity provider whose keys are trusted; None in dev mode."""
        return self._provider

    async def verify(self, token: str, *, nonce: str | None = None) -> Principal:
        """The principal of `token`; with `nonce`, an ID token that a sign-in asked for with
        that nonce (OpenID Connect Core 1.0, 3.1.3.7), so that a token taken from another
        sign-in cannot be replayed into this one, and issued to our client (`_for_us`)."""
        try:
            return await self._verify(token, nonce)
        except InvalidToken as exc:
            log.debug("token refused", reason=exc.reason)
            raise

    async def _decoded(self, token: str) -> dict[str, Any]:
        if self._provider is None:
            return self._decode(token, self._public, "EdDSA")
        kid = jwt.get_unverified_header(token).get("kid")
        if kid is not None and not isinstance(kid, str):
            raise jwt.InvalidTokenError("kid is not a string")
        key = await self._provider.key_for(kid)
        try:
            return self._decode(token, key, key.algorithm_name)
        except jwt.InvalidSignatureError:
            # Without a kid, a rotation shows only as a signature that no longer matches the
            # provider's one key: look again (rate-limited) before refusing.
            if kid is not None or (fresh := await self._provider.replaced(key)) is None:
                raise
            return self._decode(token, fresh, fresh.algorithm_name)

    def _decode(self, token: str, key: Any, algorithm: str) -> dict[str, Any]:
        # The key decides the algorithm, never the token's header (no algorithm confusion).
        decoded: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=self.audience,
            issuer=self.issuer,
            leeway=self.leeway,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
        return decoded

    async def _verify(self, token: str, nonce: str | None) -> Principal:
        try:
            decoded = await self._decoded(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"{type(exc).__name__}: {str(exc).splitlines()[0]}") from None
        said = decoded.get("nonce")
        if nonce is not None and not (
            isinstance(said, str) and hmac.compare_digest(said.encode(), nonce.encode())
        ):
            raise InvalidToken("the nonce is not the sign-in's")
        if nonce is not None:
            self._for_us(decoded)
        try:
            claims = _Claims.model_validate(decoded)
            principal = Principal(
                sub=claims.sub, tenant=claims.tenant, roles=frozenset(claims.roles), org=claims.org
            )
        except ValidationError as exc:
            # Locations and kinds only: the values are the caller's and stay out of the log.
            where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['type']}" for e in exc.errors())
            raise InvalidToken(f"malformed claims ({where})") from None
        lifetime = claims.exp - claims.iat
        if lifetime > self.max_lifetime:
            raise InvalidToken(f"lifetime {lifetime:.0f}s over the maximum {self.max_lifetime}s")
        return principal

    def _for_us(self, decoded: dict[str, Any]) -> None:
        """An ID token of several audiences names the one it was issued to (`azp`); one that
        names a party names our client. Otherwise another client's token, with our client
        among its audiences, could sign someone in here."""
        audiences, party = decoded.get("aud"), decoded.get("azp")
        if isinstance(audiences, list) and len(audiences) > 1 and party is None:
            raise NotThisClients("several audiences and no azp")
        if party is not None and not (
            isinstance(party, str) and hmac.compare_digest(party.encode(), self.client_id.encode())
        ):
            raise NotThisClients("azp is not this client")


def signer_for(settings: Settings) -> TokenSigner:
    if not settings.dev:
        raise ConfigurationError(
            explained("tokens are issued by the identity provider outside dev mode")
        )
    key = load_or_create_dev_key(settings.signing_key_path)
    return TokenSigner(key, settings.jwt_issuer, settings.jwt_audience)


def verifier_for(settings: Settings) -> TokenVerifier:
    if settings.oidc_issuer or settings.jwks_url:
        return TokenVerifier(settings)
    settings.require_identity_provider()  # the dev key alone is trusted only in dev mode
    return TokenVerifier(settings, load_or_create_dev_key(settings.signing_key_path))
