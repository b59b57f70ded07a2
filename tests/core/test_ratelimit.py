"""Token buckets in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from deliberation import ratelimit
from deliberation.db import utcnow
from deliberation.errors import RateLimited

LIMIT = ratelimit.Limit(capacity=3, period_seconds=60)


async def test_bucket_empties_and_refills(session):
    now = utcnow()
    for _ in range(3):
        await ratelimit.take(session, "k", LIMIT, now=now)
    with pytest.raises(RateLimited) as info:
        await ratelimit.take(session, "k", LIMIT, now=now)
    assert info.value.retry_after == 20  # one token every 20 s
    assert info.value.headers["Retry-After"] == "20"
    await ratelimit.take(session, "k", LIMIT, now=now + timedelta(seconds=20))
    with pytest.raises(RateLimited):
        await ratelimit.take(session, "k", LIMIT, now=now + timedelta(seconds=21))


async def test_keys_are_independent(session):
    now = utcnow()
    for _ in range(3):
        await ratelimit.take(session, "a", LIMIT, now=now)
    await ratelimit.take(session, "b", LIMIT, now=now)
