"""Configuration is validated at start-up with errors that name the variable."""

from __future__ import annotations

import pytest

from deliberation.settings import ConfigurationError, Mode, load_settings

VARIABLES = (
    "DATABASE_URL",
    "SECRET_KEY",
    "DELIBERATION_MODE",
    "DELIBERATION_ALLOWED_HOSTS",
    "DELIBERATION_DEFAULT_LANGUAGE",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_a_local_sqlite_file(tmp_path):
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///./deliberation.sqlite3"
    assert settings.mode is Mode.DEVELOPMENT
    # A secret key is generated and kept for local use.
    assert (tmp_path / ".deliberation-secret").read_text().strip() == settings.secret_key
    assert load_settings().secret_key == settings.secret_key


@pytest.mark.parametrize(
    ("env", "value"),
    [
        ("DATABASE_URL", "mysql://x"),
        ("SECRET_KEY", "short"),
        ("DELIBERATION_DEFAULT_LANGUAGE", "de"),
        ("DELIBERATION_SMTP_PORT", "not-a-port"),
        ("DELIBERATION_LOG_LEVEL", "LOUD"),
        ("DELIBERATION_LOG_FORMAT", "xml"),
    ],
)
def test_bad_values_name_the_variable(monkeypatch, env, value):
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigurationError) as info:
        load_settings()
    assert env in str(info.value)


def test_production_requires_secret_and_hosts(monkeypatch):
    monkeypatch.setenv("DELIBERATION_MODE", "production")
    with pytest.raises(ConfigurationError, match="SECRET_KEY is required"):
        load_settings()
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    with pytest.raises(ConfigurationError, match="DELIBERATION_ALLOWED_HOSTS"):
        load_settings()
    monkeypatch.setenv("DELIBERATION_ALLOWED_HOSTS", "konsultacje.example.pl, www.example.pl")
    settings = load_settings()
    assert settings.allowed_hosts == ["konsultacje.example.pl", "www.example.pl"]
    assert settings.cookies_secure is True


def test_postgres_url_is_normalised(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert load_settings().database_url == "postgresql+asyncpg://u@h/db"


def test_dotenv_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("DELIBERATION_DEFAULT_LANGUAGE=en\n")
    assert load_settings().default_language == "en"
