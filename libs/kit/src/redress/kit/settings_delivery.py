"""Settings of what the platform sends out of itself to people: texts to workers through the
SMS provider, and alerts to staff through the mail server, linking to the console
(`redress.kit.settings` puts the settings together)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings


class DeliverySettings(BaseSettings):
    sms_auth_token: SecretStr | None = Field(
        None, description="the SMS provider's auth token, checking inbound signatures"
    )
    sms_provider_url: str | None = Field(
        None,
        description="base URL of the Twilio-style SMS API that texts workers (unset: texts wait"
        " in the outbox); in dev, the fake provider intake serves itself",
    )
    sms_first_retry: float = Field(
        15.0, gt=0, le=3600,
        description="seconds before a text the provider did not take is tried again (then 4"
        " times longer each time, at most 1 h, for a day)",
    )  # fmt: skip
    sms_account: str = Field("dev-account", max_length=100, description="the SMS account id")
    sms_sender: str = Field(
        "Redress", max_length=40, description="the number or name texts to workers come from"
    )
    smtp_host: str | None = Field(
        None, max_length=253,
        description="the mail server alerts to staff are sent through (cases' to officers and"
        " supervisors, referral's to admins; unset: alerts are logged as skipped)",
    )  # fmt: skip
    smtp_port: int = Field(587, ge=1, le=65535, description="the mail server's port")
    smtp_starttls: bool = Field(True, description="upgrade the connection with STARTTLS")
    smtp_user: str | None = Field(None, max_length=254, description="the login, if any")
    smtp_password: SecretStr | None = Field(None, description="the login's password")
    smtp_sender: str = Field(
        "redress@localhost", max_length=254, description="the address alerts come from"
    )
    console_url: str | None = Field(
        None,
        description="the URL of the service's console, which its alerts link to (cases' to a"
        " case, referral's to a partner's endpoint or dead letters; unset: no link)",
    )
