"""Database access: the declarative base, engine factory and the commit that publishes events.

No engine exists at import time: ``Database`` is built by the app's lifespan (or a CLI command)
from the settings. SQLite runs with WAL, foreign keys and ``synchronous=FULL``.
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, String, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import TypeDecorator

from deliberation.text import fold

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime}


class folded(GenericFunction[str]):
    """``folded(column)``: the column lowercased without diacritics, as ``text.fold`` does.

    Compare it with ``fold(user_input)`` for searches where "laka" finds "Łąka". SQLite calls
    ``text.fold`` itself (registered on every connection); PostgreSQL lowercases and maps the
    Polish and common Central European letters with ``translate``, so no extension is needed.
    """

    type = String()
    name = "fold"
    inherit_cache = True


# Upper- and lowercase pairs: ``lower()`` under the "C" collation only lowercases ASCII.
_PG_FROM = "ĄĆĘŁŃÓŚŹŻąćęłńóśźżÄÖÜäöüÁÉÍÚÝČĎĚŇŘŠŤŮŽáéíúýčďěňřšťůž"
_PG_TO = "acelnoszzacelnoszzaouaouaeiuycdenrstuzaeiuycdenrstuz"


@compiles(folded, "postgresql")
def _folded_postgresql(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    argument = compiler.process(element.clauses, **kw)
    return f"translate(lower({argument}), '{_PG_FROM}', '{_PG_TO}')"


def _fold_or_none(value: object) -> str | None:
    return None if value is None else fold(str(value))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.create_function("fold", 1, _fold_or_none, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(
    url: str, *, pool_size: int = 10, max_overflow: int = 0, echo: bool = False
) -> AsyncEngine:
    """The engine for ``url``. PostgreSQL: a fixed pool of ``pool_size`` connections by default.

    Overflow connections are closed when they are given back while the pool is full, so under a
    sustained load above ``pool_size`` a pool with overflow opens and closes connections all the
    time (a new PostgreSQL backend costs milliseconds of CPU on both sides): 57-135 connections
    opened per 1,000 survey submissions with 10 + 20 overflow, 2 with a fixed 20, and about 80 %
    more submissions per second (docs/performance.md, Surveys). Requests beyond the pool wait
    for a connection instead.
    """
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        _begin_immediate(engine.sync_engine)
        return engine
    return create_async_engine(
        url, echo=echo, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow
    )


# How SQLite transactions begin in the current task: IMMEDIATE unless a read-only request asked
# for DEFERRED (see ``sqlite_reads_only``).
_SQLITE_BEGIN: contextvars.ContextVar[str] = contextvars.ContextVar(
    "sqlite_begin", default="BEGIN IMMEDIATE"
)


def sqlite_reads_only() -> None:
    """Begin this task's SQLite transactions DEFERRED: reads then never wait for the write lock.

    For a task that only reads (a background reader). A deferred transaction that does write
    still works, but may fail with "database is locked" under write contention, so writers keep
    IMMEDIATE. Requests use ``sqlite_begin_for`` instead, which undoes itself.
    """
    _SQLITE_BEGIN.set("BEGIN DEFERRED")


@contextmanager
def sqlite_begin_for(*, reads_only: bool) -> Iterator[None]:
    """Within the block, SQLite transactions begin DEFERRED (reads only) or IMMEDIATE.

    Reset on exit: a server runs each request in a task of its own, but an in-process client
    (tests) runs requests one after another in one context, where a GET's setting must not
    leak into the next POST.
    """
    token = _SQLITE_BEGIN.set("BEGIN DEFERRED" if reads_only else "BEGIN IMMEDIATE")
    try:
        yield
    finally:
        _SQLITE_BEGIN.reset(token)


def _begin_immediate(engine: Engine) -> None:
    """Let SQLAlchemy (not pysqlite) start transactions, as ``BEGIN IMMEDIATE`` by default.

    pysqlite's own transaction handling defers BEGIN and breaks savepoints; IMMEDIATE takes the
    write lock up front so concurrent writers wait (busy_timeout) instead of failing on upgrade.
    """

    @event.listens_for(engine, "connect")
    def _disable_pysqlite_begin(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _emit_begin(conn: Any) -> None:
        conn.exec_driver_sql(_SQLITE_BEGIN.get())


class Database:
    """The engine and session factory of one process."""

    def __init__(
        self, url: str, *, pool_size: int = 10, max_overflow: int = 0, echo: bool = False
    ) -> None:
        self.url = url
        self.engine = create_engine(url, pool_size=pool_size, max_overflow=max_overflow, echo=echo)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # Set by the app's lifespan; sessions carry it so ``events.commit`` can publish.
        self.bus: Any = None

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith("postgresql")

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            session.info["event_bus"] = self.bus
            yield session

    def bind_to(self, connection: AsyncConnection) -> None:
        """Tests: run every session inside one outer transaction, as savepoints."""
        self.sessionmaker = async_sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )

    async def ping(self) -> None:
        async with self.session() as session:
            await session.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
