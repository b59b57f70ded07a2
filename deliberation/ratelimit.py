"""Token-bucket rate limits kept in the database, shared by every server process.

A bucket holds up to ``capacity`` tokens and refills at ``capacity / period`` per second; each
action takes one. Keys are opaque strings such as ``login:user@example.org`` or a keyed hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
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

    Runs in the caller's transaction (the row is locked on PostgreSQL), so a refused action
    and its bucket update commit or roll back together with the caller's work.
    """
    now = now or utcnow()
    # Create the bucket full if it is new; ON CONFLICT makes concurrent first takes safe.
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(RateBucket)
        .values(key=key, tokens=float(limit.capacity), updated_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    bucket = await session.scalar(
        select(RateBucket)
        .where(RateBucket.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert bucket is not None
    elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
    tokens = min(float(limit.capacity), bucket.tokens + elapsed * limit.rate)
    if tokens < 1.0:
        raise RateLimited(retry_after=(1.0 - tokens) / limit.rate)
    bucket.tokens = tokens - 1.0
    bucket.updated_at = now
    await session.flush()


async def take_all(session: AsyncSession, checks: list[tuple[str, Limit]]) -> None:
    for key, limit in checks:
        await take(session, key, limit)
