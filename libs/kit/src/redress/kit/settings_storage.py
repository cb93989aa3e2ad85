"""Settings of where the platform keeps its state: PostgreSQL, NATS and the data directory,
and dev mode, which runs them embedded (`redress.kit.settings` puts the settings together)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings

from redress.kit.sources import ConfigurationError, explained


class StorageSettings(BaseSettings):
    dev: bool = Field(False, description="embedded dev mode: the platform signs its own tokens")
    database_url: str | None = None
    database_role: str | None = Field(None, description="SET ROLE on every connection")
    nats_url: str | None = None
    nats_stream: str = "REDRESS_EVENTS"
    nats_subject_prefix: str = "redress.events"
    nats_stream_replicas: int = 1
    data_dir: Path = Path(".data")

    def require_database(self) -> str:
        if not self.database_url:
            raise ConfigurationError(explained("REDRESS_DATABASE_URL is not set"))
        return self.database_url

    def require_nats(self) -> str:
        if not self.nats_url:
            raise ConfigurationError(explained("REDRESS_NATS_URL is not set"))
        return self.nats_url
