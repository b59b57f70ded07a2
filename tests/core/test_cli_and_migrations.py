"""The ``deliberation`` command and the migrations, on a fresh database."""

from __future__ import annotations

import asyncio
import os
import subprocess

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect

from deliberation import migrate
from deliberation.cli import main
from deliberation.db import Base, create_engine
from deliberation.demo import DEMO_USERS


@pytest.fixture
def fresh_sqlite(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    return url


def test_check_reports_unmigrated_then_ok(fresh_sqlite):
    runner = CliRunner()
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 1
    assert "not migrated" in result.output
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "Database: reachable" in result.output


def test_check_names_a_bad_variable(fresh_sqlite, monkeypatch):
    monkeypatch.setenv("DELIBERATION_DEFAULT_LANGUAGE", "fr")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code != 0
    assert "DELIBERATION_DEFAULT_LANGUAGE" in result.output


def test_demo_is_idempotent_and_prints_accounts(fresh_sqlite):
    runner = CliRunner()
    first = runner.invoke(main, ["demo"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded." in first.output
    for user in DEMO_USERS:
        assert user.email in first.output and user.password in first.output
    second = runner.invoke(main, ["demo"])
    assert "already there" in second.output


def test_demo_refused_in_production(fresh_sqlite, monkeypatch):
    monkeypatch.setenv("DELIBERATION_MODE", "production")
    monkeypatch.setenv("DELIBERATION_ALLOWED_HOSTS", "example.pl")
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code != 0
    assert "not in production" in result.output


def test_create_user_with_role(fresh_sqlite):
    runner = CliRunner()
    runner.invoke(main, ["db", "upgrade"])
    result = runner.invoke(
        main,
        ["create-user", "--email", "Staff@Example.org", "--name", "Staff", "--role", "moderator"],
        input="a long password\na long password\n",
    )
    assert result.exit_code == 0, result.output
    again = runner.invoke(
        main,
        ["create-user", "--email", "staff@example.org", "--name", "Again"],
        input="a long password\na long password\n",
    )
    assert again.exit_code != 0
    assert "Konto z tym adresem e-mail już istnieje." in again.output  # default language: pl


def test_serve_refuses_several_workers_on_sqlite(fresh_sqlite):
    result = CliRunner().invoke(main, ["serve", "--workers", "2"])
    assert result.exit_code != 0
    assert "PostgreSQL" in result.output


def _tables(url: str) -> set[str]:
    import asyncio

    async def go() -> set[str]:
        engine = create_engine(url)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        await engine.dispose()
        return names

    return asyncio.run(go())


def _migration_urls(tmp_path) -> list[str]:
    urls = [f"sqlite+aiosqlite:///{tmp_path / 'mig.sqlite3'}"]
    base = os.environ.get("DELIBERATION_TEST_DATABASE_URL", "")
    if base.startswith("postgres"):
        head, _, name = base.replace("postgresql://", "postgresql+asyncpg://").rpartition("/")
        target = name + "_migrations"
        admin = f"{head}/postgres".replace("postgresql+asyncpg://", "postgresql://")
        subprocess.run(
            [
                "psql",
                admin,
                "-q",
                "-c",
                f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)',
                "-c",
                f'CREATE DATABASE "{target}"',
            ],
            check=True,
            capture_output=True,
        )
        urls.append(f"{head}/{target}")
    return urls


def test_migrations_up_down_up_match_the_models(tmp_path):
    migrate.import_all_models()
    expected = {table.name for table in Base.metadata.sorted_tables}
    for url in _migration_urls(tmp_path):
        migrate.upgrade(url)
        assert _tables(url) - {"alembic_version"} == expected, url
        migrate.downgrade(url, "base")
        assert _tables(url) - {"alembic_version"} == set(), url
        migrate.upgrade(url)
        assert _tables(url) - {"alembic_version"} == expected, url


def test_no_model_change_without_a_migration(tmp_path):
    """Autogenerate against a migrated database finds nothing to do."""
    import asyncio

    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    url = f"sqlite+aiosqlite:///{tmp_path / 'diff.sqlite3'}"
    migrate.upgrade(url)
    migrate.import_all_models()

    async def diff() -> list:
        engine = create_engine(url)
        async with engine.connect() as conn:
            result = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
            )
        await engine.dispose()
        return result

    assert asyncio.run(diff()) == []


def test_update_statuses_closes_what_has_ended(fresh_sqlite):
    from datetime import date, timedelta

    from sqlalchemy import update

    from deliberation.models import Phase, PhaseKind

    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(main, ["demo"]).exit_code == 0
    result = runner.invoke(main, ["update-statuses"])
    assert result.exit_code == 0, result.output
    assert "Closed 0 " in result.output

    async def end_collecting() -> None:
        engine = create_engine(fresh_sqlite)
        async with engine.begin() as conn:
            await conn.execute(
                update(Phase)
                .where(Phase.kind == PhaseKind.COLLECTING)
                .values(ends_on=date.today() - timedelta(days=2))
            )
        await engine.dispose()

    asyncio.run(end_collecting())
    result = runner.invoke(main, ["update-statuses"])
    assert result.exit_code == 0, result.output
    assert "Closed 0 " not in result.output and "consultation(s)" in result.output
    assert "Closed 0 " in runner.invoke(main, ["update-statuses"]).output
