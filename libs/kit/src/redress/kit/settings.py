"""Configuration from `REDRESS_*` environment variables (and `.data/dev.env` in dev mode)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_ENV = Path(".data/dev.env")


class ConfigurationError(Exception):
    """Configuration that cannot work; the message is one line saying what is wrong."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="REDRESS_", env_file=DEV_ENV, env_file_encoding="utf-8", extra="ignore"
    )

    dev: bool = Field(False, description="embedded dev mode: the platform signs its own tokens")
    database_url: str | None = None
    database_role: str | None = Field(None, description="SET ROLE on every connection")
    nats_url: str | None = None
    nats_stream: str = "REDRESS_EVENTS"
    nats_subject_prefix: str = "redress.events"
    nats_stream_replicas: int = 1
    data_dir: Path = Path(".data")

    jwt_issuer: str = "redress-dev"
    jwt_audience: str = "redress"
    jwks_url: str | None = None
    dev_key_file: Path | None = Field(
        None, description="PEM Ed25519 key of the dev token signer (default: data_dir)"
    )
    master_key: SecretStr | None = Field(None, description="base64 key wrapping data keys")
    sms_auth_token: SecretStr | None = Field(
        None, description="the SMS provider's auth token, checking inbound signatures"
    )

    log_level: str = "info"
    log_json: bool = True
    connect_timeout: float = 5.0
    io_timeout: float = Field(5.0, description="deadline of each wait on NATS or PostgreSQL")
    relay_ack_timeout: float = Field(
        5.0, description="a page of publishes not acknowledged in time is published again"
    )
    statement_timeout: float = Field(
        30.0, description="seconds any statement of the platform may run or wait"
    )
    idle_in_transaction_timeout: float = Field(
        10.0, description="seconds a transaction may stay open and idle (it holds back delivery)"
    )
    health_stalled_after: float = Field(
        30.0, description="/health answers 503 once a runner has been degraded this long"
    )
    health_lag_after: float = Field(
        60.0, description="/health answers 503 once an event has waited this long to be published"
    )
    relay_stall_timeout: float = Field(
        30.0, description="a relay making no progress this long gives up leadership"
    )

    @model_validator(mode="after")
    def _secrets_outside_dev(self) -> Settings:
        if not self.dev and self.jwks_url is None:
            raise ValueError("REDRESS_JWKS_URL is required outside dev mode (REDRESS_DEV=1)")
        return self

    @property
    def signing_key_path(self) -> Path:
        return self.dev_key_file or self.data_dir / "dev-signing-key.pem"

    def require_database(self) -> str:
        if not self.database_url:
            raise ConfigurationError("REDRESS_DATABASE_URL is not set")
        return self.database_url

    def require_nats(self) -> str:
        if not self.nats_url:
            raise ConfigurationError("REDRESS_NATS_URL is not set")
        return self.nats_url


@lru_cache
def get_settings() -> Settings:
    return load_settings()


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with errors as one clear line."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigurationError(f"bad configuration ({where}): {message}") from None
