"""Configuration from the environment (pydantic-settings).

Variables are prefixed ``BOKBRO_`` except the conventional ``DATABASE_URL`` and ``REDIS_URL``.
An empty ``REDIS_URL`` means the embedded, in-process Redis stand-in (fakeredis).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOKBRO_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./.bokbro/bokbro.db",
        validation_alias=AliasChoices("DATABASE_URL", "BOKBRO_DATABASE_URL"),
    )
    redis_url: str = Field(default="", validation_alias=AliasChoices("REDIS_URL", "BOKBRO_REDIS_URL"))
    # Namespace for queue names, pub/sub channels and shared keys (lets tests share one Redis).
    redis_prefix: str = "bokbro"

    public_url: str = "http://127.0.0.1:8000"
    secret_key: str = ""
    bootstrap_token: str = ""

    # Run the arq worker inside the API process (embedded default) or not (scale-out).
    embedded_worker: bool = False
    # Mount the four sandboxes under /sandbox/... (demo mode; never in production unless asked).
    sandboxes: bool = False

    # Reliability knobs.
    transfer_lease_seconds: float = 120.0  # a RUNNING transfer whose lease ran out is taken over
    job_timeout_seconds: float = 90.0
    sweeper_interval_seconds: float = 15.0
    max_attempts: int = 8
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 300.0

    # Periodic reconciliation in the workers: every N seconds (0 = off), over the last D days.
    reconcile_interval_seconds: float = 3600.0
    reconcile_days: int = 3

    # Outbound HTTP to the external systems.
    http_timeout_seconds: float = 30.0
    http_connect_timeout_seconds: float = 5.0
    rackbeat_requests_per_minute: int = 480  # per Rackbeat token, shared by all workers (a benchmark raises it)

    # Outgoing e-mail (finishing onboarding sends the settings link). No SMTP URL: every message is captured in
    # the outbox table instead (embedded default), readable with the sentEmails query.
    # smtp://user:pass@host:587?starttls=1 (or smtps://… for implicit TLS); the password is never shown.
    smtp_url: SecretStr = SecretStr("")
    mail_from: str = "bokbro <no-reply@bokbro.invalid>"
    smtp_timeout_seconds: float = 20.0
    settings_link_days: int = 14  # how long a settings link stays valid

    # GraphQL limits.
    graphql_max_depth: int = 10
    graphql_max_aliases: int = 30
    graphql_max_tokens: int = 2000

    data_dir: Path = Path(".bokbro")
    log_level: str = "INFO"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
