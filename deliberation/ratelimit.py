"""Token-bucket rate limits kept in the database, shared by every server process.

A bucket holds up to ``capacity`` tokens and refills at ``capacity / period`` per second; each
action takes one. Keys are opaque strings such as ``login:user@example.org`` or a keyed hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, case, cast, func, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import utcnow
from deliberation.errors import RateLimited
from deliberation.models import RateBucket


@dataclass(frozen=True)
class Limit:
    capacity: int
    period_seconds: float

    @property
    def rate(self) -> float:
        return self.capacity / self.period_seconds


async def take(
    session: AsyncSession, key: str, limit: Limit, *, now: datetime | None = None
) -> None:
    """Take one token from the bucket ``key`` or raise RateLimited with the wait in seconds.

    Runs in the caller's transaction (the row stays locked on PostgreSQL until it ends), so a
    refused action and its bucket update commit or roll back together with the caller's work.
    """
    await take_all(session, [(key, limit)], now=now)


async def take_all(
    session: AsyncSession, checks: list[tuple[str, Limit]], *, now: datetime | None = None
) -> None:
    """Take one token from each bucket, or raise RateLimited with the longest wait.

    On PostgreSQL this is one statement for all the buckets: an UPSERT that creates a bucket
    full, or refills it for the time elapsed and takes a token only where one is available, so
    concurrent requests never lose an update and a hot bucket (a shared network) is locked for
    as short a time as possible: take the tokens last, just before the commit. Buckets that
    refused are left unchanged; the caller's transaction then rolls back the others.
    """
    if not checks:
        return
    now = now or utcnow()
    if session.get_bind().dialect.name == "postgresql":
        await _take_all_postgres(session, checks, now)
        return
    # SQLite serializes writers (BEGIN IMMEDIATE): read every bucket, then write all or none.
    buckets = [(await _bucket_sqlite(session, key, limit, now), limit) for key, limit in checks]
    _raise_if_refused([_wait(limit, b.tokens, b.updated_at, now) for b, limit in buckets])
    for bucket, limit in buckets:
        elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
        bucket.tokens = min(float(limit.capacity), bucket.tokens + elapsed * limit.rate) - 1.0
        bucket.updated_at = now
    await session.flush()


def _raise_if_refused(waits: list[float | None]) -> None:
    refused = [w for w in waits if w is not None]
    if refused:
        raise RateLimited(retry_after=max(refused))


async def _take_all_postgres(
    session: AsyncSession, checks: list[tuple[str, Limit]], now: datetime
) -> None:
    limits = dict(sorted(checks))  # one order for every request: no deadlocks between them
    insert = pg_insert(RateBucket).values(
        [
            {"key": key, "tokens": float(limit.capacity) - 1.0, "updated_at": now}
            for key, limit in limits.items()
        ]
    )
    bucket, new = RateBucket.__table__.c, insert.excluded
    # A new row carries capacity - 1 tokens: the capacity and rate of each key come with it.
    rate = case(
        {key: literal(limit.rate, Float) for key, limit in limits.items()},
        value=new.key,
    )
    elapsed = func.greatest(
        literal(0.0, Float), cast(func.extract("epoch", new.updated_at - bucket.updated_at), Float)
    )
    refilled = func.least(new.tokens + 1.0, bucket.tokens + elapsed * rate)
    statement = insert.on_conflict_do_update(
        index_elements=[bucket.key],
        set_={"tokens": refilled - 1.0, "updated_at": new.updated_at},
        where=refilled >= 1.0,
    ).returning(bucket.key)
    taken = set((await session.execute(statement)).scalars())
    if len(taken) == len(limits):
        return
    refused = await session.execute(
        select(RateBucket.key, RateBucket.tokens, RateBucket.updated_at).where(
            RateBucket.key.in_([key for key in limits if key not in taken])
        )
    )
    _raise_if_refused(
        [_wait(limits[key], tokens, updated_at, now) for key, tokens, updated_at in refused]
    )


def _wait(limit: Limit, tokens: float, updated_at: datetime, now: datetime) -> float | None:
    """Seconds until the bucket holds a token again; None if it holds one now."""
    elapsed = max(0.0, (now - updated_at).total_seconds())
    available = min(float(limit.capacity), tokens + elapsed * limit.rate)
    return None if available >= 1.0 else (1.0 - available) / limit.rate


async def _bucket_sqlite(
    session: AsyncSession, key: str, limit: Limit, now: datetime
) -> RateBucket:
    await session.execute(
        sqlite_insert(RateBucket)
        .values(key=key, tokens=float(limit.capacity), updated_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    bucket = await session.scalar(
        select(RateBucket).where(RateBucket.key == key).execution_options(populate_existing=True)
    )
    assert bucket is not None
    return bucket
