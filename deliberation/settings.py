"""Configuration from environment variables (and an optional ``.env``), validated at start-up.

Every variable is prefixed ``DELIBERATION_`` except ``DATABASE_URL`` and ``SECRET_KEY``, which are
read under their common names too. A bad value stops start-up with a message naming the variable.
"""

from __future__ import annotations

import logging
import secrets
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

log = logging.getLogger(__name__)

SECRET_FILE_NAME = ".deliberation-secret"  # noqa: S105 (a file name, not a secret)


class Mode(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class ConfigurationError(Exception):
    """Raised at start-up when a setting is missing or wrong; the message names the variable."""


def _split_list(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DELIBERATION_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
        populate_by_name=True,
    )

    mode: Mode = Mode.DEVELOPMENT
    database_url: str = Field(
        default="sqlite+aiosqlite:///./deliberation.sqlite3",
        validation_alias=AliasChoices("DATABASE_URL", "DELIBERATION_DATABASE_URL"),
    )
    secret_key: str | None = Field(
        default=None,
        min_length=32,
        validation_alias=AliasChoices("SECRET_KEY", "DELIBERATION_SECRET_KEY"),
    )
    allowed_hosts: Annotated[list[str], NoDecode] = ["*"]
    websocket_origins: Annotated[list[str], NoDecode] = []
    default_language: str = "pl"
    base_url: str = "http://127.0.0.1:8000"
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    mail_from: str = "konsultacje@localhost"
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.TEXT
    session_days: int = Field(default=14, ge=1, le=365)
    password_reset_minutes: int = Field(default=30, ge=5, le=24 * 60)
    login_attempts_per_minute: int = Field(default=5, ge=1, le=1000)
    secure_cookies: bool | None = None
    pool_size: int = Field(default=10, ge=1, le=200)
    # Connections opened beyond pool_size under load and closed again when given back (0: a
    # fixed pool, no connection churn under a sustained load).
    pool_overflow: int = Field(default=0, ge=0, le=200)
    # Issue 7: the highest FOG-PL a consultation summary may have without a confirmation.
    plain_language_target: float = Field(default=10.0, gt=0, le=40)
    # How often each server process closes consultations whose collecting phase has ended
    # (seconds; 0 turns it off, e.g. when cron runs ``deliberation update-statuses``).
    status_interval_seconds: float = Field(default=60.0, ge=0, le=24 * 3600)
    # An external "what we heard" summarizer (HTTP POST, JSON); the built-in one when unset.
    summarizer_url: str | None = Field(default=None, pattern=r"^https?://")
    # Issue 7: the city's own officialese glossary, merged with the built-in one: a directory
    # with pl.tsv and/or en.tsv, or one .tsv file (Polish). Checked here, at start-up.
    glossary_path: str | None = None

    @field_validator("allowed_hosts", "websocket_origins", mode="before")
    @classmethod
    def _lists(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if value.startswith("postgres://") or value.startswith("postgresql://"):
            value = "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite://") and not value.startswith("sqlite+aiosqlite://"):
            value = "sqlite+aiosqlite://" + value.split("://", 1)[1]
        if not (
            value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")
        ):
            raise ValueError("use a sqlite:/// path or a postgresql:// URL")
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in ("pl", "en"):
            raise ValueError("must be 'pl' or 'en'")
        return value

    @field_validator("glossary_path")
    @classmethod
    def _glossary(cls, value: str | None) -> str | None:
        if not value:
            return None
        from pydantic_core import PydanticCustomError

        from deliberation.readability.glossary import GlossaryError, check_city_glossary

        try:
            check_city_glossary(value)
        except GlossaryError as exc:
            # A custom error keeps pydantic's "Value error, " prefix off the message.
            raise PydanticCustomError("glossary", "{problem}", {"problem": str(exc)}) from None
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return value

    @model_validator(mode="after")
    def _production_rules(self) -> Settings:
        if self.mode is Mode.PRODUCTION:
            if not self.secret_key:
                raise ValueError("SECRET_KEY is required when DELIBERATION_MODE=production")
            if self.allowed_hosts == ["*"]:
                raise ValueError(
                    "DELIBERATION_ALLOWED_HOSTS must list the site's host names in production"
                )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def cookies_secure(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return self.mode is Mode.PRODUCTION

    @property
    def key(self) -> str:
        if self.secret_key is None:  # resolved by load_settings
            raise ConfigurationError("SECRET_KEY is not set")
        return self.secret_key


_ENV_NAMES = {"database_url": "DATABASE_URL", "secret_key": "SECRET_KEY"}


def _env_name(field: str) -> str:
    return _ENV_NAMES.get(field, f"DELIBERATION_{field.upper()}")


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings; raise ConfigurationError naming each bad variable."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            name = _env_name(field) if field else "configuration"
            problems.append(f"{name}: {error['msg']}")
        raise ConfigurationError("Invalid configuration: " + "; ".join(problems)) from None
    if settings.secret_key is None:
        settings.secret_key = _local_secret()
    return settings


def _local_secret() -> str:
    """Local use only: a random key kept in the working directory, so sessions survive restarts."""
    path = Path(SECRET_FILE_NAME)
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if len(key) >= 32:
            return key
    key = secrets.token_urlsafe(48)
    path.write_text(key + "\n", encoding="utf-8")
    path.chmod(0o600)
    log.warning(
        "SECRET_KEY is not set: generated one for local use and stored it in %s. "
        "Set SECRET_KEY in production.",
        path.resolve(),
    )
    return key
