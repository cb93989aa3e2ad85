"""Settings of who may call the platform: the identity provider whose tokens it trusts, what a
token must carry, and the keys the platform keeps (`redress.kit.settings` puts the settings
together)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator

from redress.kit.settings_storage import StorageSettings
from redress.kit.sources import ConfigurationError, explained


class IdentitySettings(StorageSettings):
    """Its keys lie in the data directory unless named (`StorageSettings`)."""

    jwt_issuer: str = Field("redress-dev", description="expected `iss` without OIDC discovery")
    jwt_audience: str = "redress"
    oidc_issuer: str | None = Field(
        None, description="the identity provider's issuer URL, found by OIDC discovery"
    )
    jwks_url: str | None = Field(None, description="the provider's JWKS, overriding discovery")
    oidc_client_id: str | None = Field(
        None,
        max_length=200,
        description="the consoles' client id at the provider: set, their login pages offer"
        " sign-in with it; REDRESS_JWT_AUDIENCE is then this id",
    )
    oidc_client_secret: SecretStr | None = Field(
        None, description="the client's secret, if the provider registered it as confidential"
    )
    oidc_scope: str = Field(
        "openid",
        description="the scopes a sign-in asks for: openid, and any under which the provider"
        " releases tenant, roles and org",
    )
    jwks_timeout: float = Field(
        5.0, gt=0, le=60, description="deadline of one discovery and JWKS fetch, seconds"
    )
    jwks_refresh_interval: float = Field(
        30.0, ge=0, description="least time between two fetches of the provider's keys, seconds"
    )
    token_leeway: int = Field(
        60, ge=0, le=600, description="clock skew allowed on exp, nbf and iat, seconds"
    )
    token_max_lifetime: int = Field(
        12 * 3600, ge=60, description="longest token lifetime accepted (exp - iat), seconds"
    )
    dev_key_file: Path | None = Field(
        None, description="PEM Ed25519 key of the dev token signer (default: data_dir)"
    )
    secret_key: SecretStr | None = Field(
        None, description="base64 root of derived keys (proofs, sessions, CSRF); never rotated"
    )
    keyset_file: Path | None = Field(
        None, description="JSON keyset of key-encryption keys (default in dev: data_dir)"
    )
    master_key: SecretStr | None = Field(
        None, description="legacy single master key: `redress keys init` adopts it as the first KEK"
    )
    key_rotation_days: float = Field(
        7.0, gt=0, description="days between scheduled rotations of the key-encryption key"
    )

    @model_validator(mode="after")
    def _sign_in(self) -> IdentitySettings:
        """Sign-in needs the provider's discovery document, and the ID tokens it gives a
        console name the client id as their audience: every request checks them for it."""
        if self.oidc_client_secret is not None and self.oidc_client_id is None:
            raise ValueError("REDRESS_OIDC_CLIENT_SECRET is set without REDRESS_OIDC_CLIENT_ID")
        if self.oidc_client_id is None:
            return self
        if self.oidc_issuer is None:
            raise ValueError("REDRESS_OIDC_CLIENT_ID needs REDRESS_OIDC_ISSUER (discovery)")
        if "openid" not in self.oidc_scope.split():
            raise ValueError("REDRESS_OIDC_SCOPE must include openid")
        if "jwt_audience" not in self.model_fields_set:
            self.jwt_audience = self.oidc_client_id
        elif self.jwt_audience != self.oidc_client_id:
            raise ValueError(
                "REDRESS_JWT_AUDIENCE must be REDRESS_OIDC_CLIENT_ID (or unset): the ID tokens"
                " the consoles keep carry the client id as their audience"
            )
        return self

    @property
    def sign_in(self) -> bool:
        """Whether the consoles offer sign-in at the identity provider."""
        return self.oidc_client_id is not None

    @property
    def token_issuer(self) -> str:
        """The `iss` every token must carry: the OIDC issuer when there is one."""
        return self.oidc_issuer or self.jwt_issuer

    @property
    def signing_key_path(self) -> Path:
        return self.dev_key_file or self.data_dir / "dev-signing-key.pem"

    @property
    def keyset_path(self) -> Path:
        return self.keyset_file or self.data_dir / "keyset.json"

    def require_identity_provider(self) -> None:
        """For what checks tokens (the services): the provider whose keys sign them. Not
        demanded of commands that check none (migrate, relay, keys, replay)."""
        if not self.dev and self.oidc_issuer is None and self.jwks_url is None:
            raise ConfigurationError(
                explained(
                    "REDRESS_OIDC_ISSUER (or REDRESS_JWKS_URL) is required outside dev mode"
                    " (REDRESS_DEV=1)"
                )
            )
