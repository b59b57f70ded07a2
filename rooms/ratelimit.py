"""Per-participant limits: questions use the shared database buckets; votes an in-memory bucket.

Votes arrive at tens per second; a database bucket would add a locked row write to each of
them. Each server process keeps its own vote bucket per participant instead, so with N processes
a participant may vote up to N times faster. The vote itself stays unique by the primary key.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from deliberation.errors import RateLimited
from deliberation.i18n import _l
from deliberation.ratelimit import Limit

QUESTION_LIMIT = Limit(capacity=5, period_seconds=60)
VOTE_LIMIT = Limit(capacity=30, period_seconds=15)


class MemoryBuckets:
    """Token buckets keyed by participant, bounded to the most recent ``size`` keys."""

    def __init__(self, limit: Limit = VOTE_LIMIT, size: int = 100_000) -> None:
        self.limit = limit
        self.size = size
        self._buckets: OrderedDict[int, tuple[float, float]] = OrderedDict()

    def take(self, key: int, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        tokens, updated = self._buckets.pop(key, (float(self.limit.capacity), now))
        tokens = min(float(self.limit.capacity), tokens + (now - updated) * self.limit.rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            raise RateLimited(
                retry_after=(1.0 - tokens) / self.limit.rate,
                message=_l("You are voting very fast. Please wait a moment."),
            )
        self._buckets[key] = (tokens - 1.0, now)
        while len(self._buckets) > self.size:
            self._buckets.popitem(last=False)
