"""Test fixtures: a real database (SQLite by default, PostgreSQL when asked), the app, clients.

Set DELIBERATION_TEST_DATABASE_URL to a postgresql:// URL to run everything on PostgreSQL; its
database is emptied and migrated at the start. With CI=true, PostgreSQL and Chromium are required.
Each test runs inside one outer transaction that is rolled back at the end.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from deliberation import migrate, security
from deliberation.app import create_app
from deliberation.db import Database, create_engine
from deliberation.features import load_features
from deliberation.settings import Settings, load_settings
from tests.helpers import PASSWORD

IN_CI = os.environ.get("CI", "").lower() == "true"
security.use_fast_hashing_for_tests()
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API runs an event loop in the main thread."""
    browser = [item for item in items if "tests/browser" in str(item.path)]
    for item in browser:
        item.add_marker(pytest.mark.browser)
    items[:] = [item for item in items if item not in browser] + browser


def _database_url(tmp_dir: Path) -> str:
    url = os.environ.get("DELIBERATION_TEST_DATABASE_URL", "")
    if IN_CI and not url.startswith("postgresql"):
        pytest.exit("CI=true needs DELIBERATION_TEST_DATABASE_URL=postgresql://...", returncode=2)
    if url.startswith("postgres://") or url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    return url or f"sqlite+aiosqlite:///{tmp_dir / 'test.sqlite3'}"


async def reset_database(url: str) -> None:
    """Empty the test database and migrate it to the newest schema."""
    if url.startswith("postgresql"):
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        except OSError as exc:
            pytest.exit(f"PostgreSQL at {url} is not reachable: {exc}", returncode=2)
        finally:
            await engine.dispose()
    else:
        Path(url.split("///", 1)[1]).unlink(missing_ok=True)
    await migrate.upgrade_async(url)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _database_url(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
async def migrated(database_url: str) -> str:
    await reset_database(database_url)
    return database_url


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


def make_settings(database_url: str, **overrides: Any) -> Settings:
    return load_settings(
        database_url=database_url,
        secret_key=TEST_SECRET,
        log_level="WARNING",
        base_url="http://testserver",
        **{"status_interval_seconds": 0, **overrides},
    )


@pytest.fixture
def settings(migrated: str) -> Settings:
    return make_settings(migrated)


@pytest.fixture
async def db(migrated: str) -> AsyncIterator[Database]:
    """A Database whose sessions all run in one transaction, rolled back after the test."""
    database = Database(migrated)
    async with database.engine.connect() as connection:
        transaction = await connection.begin()
        database.bind_to(connection)
        try:
            yield database
        finally:
            if transaction.is_active:
                await transaction.rollback()
    await database.dispose()


@pytest.fixture
async def session(db: Database) -> AsyncIterator[AsyncSession]:
    async with db.session() as s:
        yield s


@pytest.fixture
async def app(settings: Settings, db: Database) -> AsyncIterator[Starlette]:
    application = create_app(settings, database=db, features=load_features(), configure_logs=False)
    async with application.router.lifespan_context(application):
        yield application


class Client(httpx.AsyncClient):
    """An HTTP client that fills in the CSRF token like a browser form would."""

    def csrf(self) -> str:
        return str(self.cookies.get("csrftoken", ""))

    async def prime(self) -> None:
        if not self.csrf():
            await self.get("/")

    async def submit(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        await self.prime()
        return await self.post(url, data={"csrftoken": self.csrf(), **(data or {})}, **kw)

    async def api(self, method: str, url: str, json: Any = None, **kw: Any) -> Any:
        await self.prime()
        headers = {"x-csrftoken": self.csrf(), **kw.pop("headers", {})}
        return await self.request(method, url, json=json, headers=headers, **kw)

    async def login(self, email: str, password: str = PASSWORD) -> Any:
        response = await self.submit("/login", {"email": email, "password": password})
        assert response.status_code == 303, response.text
        return response


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[Client]:
    transport = httpx.ASGITransport(app=app)
    async with Client(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def make_client(app: Starlette) -> Any:
    clients: list[Client] = []

    def factory() -> Client:
        c = Client(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        clients.append(c)
        return c

    return factory


@pytest.fixture(scope="session")
def in_ci() -> Iterator[bool]:
    yield IN_CI


async def empty_tables(database: Database) -> None:
    from deliberation.db import Base
    from deliberation.migrate import import_all_models

    import_all_models()
    async with database.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(table.delete())


@pytest.fixture
async def committed_db(migrated: str) -> AsyncIterator[Database]:
    """A Database with real commits and separate connections, for race and concurrency tests.

    Every table is emptied afterwards, so tests stay independent.
    """
    database = Database(migrated, pool_size=20)
    try:
        yield database
    finally:
        await empty_tables(database)
        await database.dispose()


@pytest.fixture
async def committed_app(settings: Settings, committed_db: Database) -> AsyncIterator[Starlette]:
    application = create_app(
        settings, database=committed_db, features=load_features(), configure_logs=False
    )
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def committed_client(committed_app: Starlette) -> AsyncIterator[Client]:
    transport = httpx.ASGITransport(app=committed_app)
    async with Client(transport=transport, base_url="http://testserver") as c:
        yield c
