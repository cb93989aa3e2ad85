"""Configuration from `REDRESS_*` environment variables (and `.data/dev.env` in dev mode)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from redress.kit.settings_delivery import DeliverySettings
from redress.kit.settings_identity import IdentitySettings
from redress.kit.sources import DEV_ENV, ConfigurationError, explained

__all__ = ["ConfigurationError", "Settings", "get_settings", "load_settings"]

LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise ValueError(f"{value!r} is not an http(s) URL of a host (and a path prefix)")
    return value.rstrip("/")


class Settings(DeliverySettings, IdentitySettings):
    """Every setting, each part's in its module; their fields stand in this order: storage,
    identity, delivery, then the rest below."""

    model_config = SettingsConfigDict(
        env_prefix="REDRESS_", env_file=DEV_ENV, env_file_encoding="utf-8", extra="ignore"
    )

    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="addresses or networks of proxies whose X-Forwarded-For, -Proto and -Host"
        " are believed",
    )
    public_url: str | None = Field(
        None,
        description="the URL the public reaches this service at (https://report.example.org):"
        " the scheme of its cookies and the URL SMS signatures are made over",
    )
    peer_urls: dict[str, str] = Field(
        default_factory=dict,
        description="the public URLs of the other services, by name, for links between their"
        ' consoles (JSON: {"referral": "https://referral.example.org"}); in dev mode the ports'
        " of `make run`",
    )
    dev_port_base: int = Field(
        8000,
        ge=1,
        le=65000,
        description="where the ports of `make run` start (intake on"
        " the next); `redress dev` writes it to .data/dev.env for commands beside it",
    )
    filings_per_hour_per_client: int = Field(
        60, ge=1, description="anonymous web filings one client may make per hour"
    )
    filing_burst_per_client: int = Field(10, ge=1, description="of which at once")
    filings_per_hour_per_tenant: int = Field(
        2000, ge=1, description="anonymous web filings per tenant per hour, all clients"
    )
    filing_burst_per_tenant: int = Field(200, ge=1, description="of which at once")

    webhook_first_retry: float = Field(
        15.0, gt=0, le=3600,
        description="seconds before a failed webhook is tried again (then 4 times longer each"
        " time, at most 6 h)",
    )  # fmt: skip
    webhook_breaker_cooldown: float = Field(
        30.0, gt=0, le=3600,
        description="seconds an endpoint rests after 5 failures in a row (doubling, at most"
        " 10 min)",
    )  # fmt: skip
    webhook_lease: float = Field(
        120.0, ge=1, le=3600,
        description="seconds a delivery worker holds a webhook it claimed: a worker killed"
        " mid-attempt leaves it to another after this; keep it above the 30 s attempt",
    )  # fmt: skip

    publications_kept_days: float = Field(
        90.0, ge=8, le=36500,
        description="days a publication of figures is kept once it ended (published, refused"
        " or failed), readable at /v1/figures/publications/{id}; then it is deleted, and its"
        " release stays in the log. At least 8: an Idempotency-Key (kept 7 days, swept"
        " hourly) may name it",
    )  # fmt: skip

    admission_limit: int = Field(
        64, ge=1, le=10_000,
        description="requests one process works on at once; more wait for a place (see"
        " REDRESS_ADMISSION_WAIT), then are answered 503 with Retry-After",
    )  # fmt: skip
    admission_wait: float = Field(
        1.0, ge=0, le=60,
        description="seconds a request waits for a place before it is answered 503",
    )  # fmt: skip

    pool_size: int = Field(
        10, ge=1, le=500,
        description="database connections one process keeps for requests (its runners have"
        " their own); /metrics shows how many were in use at most and how long requests"
        " queued for one",
    )  # fmt: skip

    workers: int = Field(
        1, ge=1, le=64,
        description="HTTP processes `redress serve` runs for its service; one of them, elected,"
        " runs the service's projections and policies (ADR 0036)",
    )  # fmt: skip

    runner_gather: float = Field(
        0.025, ge=0, le=1,
        description="seconds a projection runner busy with a steady flow of events waits for"
        " more before applying one that came alone: fewer, larger transactions at moderate"
        " rates, for up to this much more time to a case",
    )  # fmt: skip

    log_level: str = Field("info", description="debug, info, warning, error or critical")
    log_json: bool = True
    connect_timeout: float = 5.0
    nats_ping_interval: int = Field(
        5, ge=1, le=120,
        description="seconds between pings to NATS: with two unanswered, the connection counts"
        " as lost (a frozen server, a half-open link), /health says so, and it is opened again",
    )  # fmt: skip
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
    health_timeout: float = Field(
        0.5, gt=0, le=10,
        description="/health's own deadline for measuring the delivery lag: past it, it answers"
        " that PostgreSQL or NATS gave no answer, rather than keep the probe waiting",
    )  # fmt: skip
    relay_stall_timeout: float = Field(
        30.0, description="a relay making no progress this long gives up leadership"
    )

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        return None if value is None else _http_url(value)

    @field_validator("peer_urls")
    @classmethod
    def _peer_urls(cls, value: dict[str, str]) -> dict[str, str]:
        return {name: _http_url(url) for name, url in value.items()}

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        # Checked with the other settings, so that every command refuses it in one line: a
        # level logging does not know stopped the services with its bare name, and the
        # commands that log nothing took it silently.
        if value.lower() not in LOG_LEVELS:
            raise ValueError(
                f"REDRESS_LOG_LEVEL is {value!r}; it takes one of {', '.join(LOG_LEVELS)}"
            )
        return value.lower()

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for network in value:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"{network!r} is not an address or a network") from None
        return value


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
        raise ConfigurationError(explained(f"bad configuration ({where}): {message}")) from None
