"""Real concurrent transactions: one resident's 100 parallel upvotes or reports count once."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from deliberation.models import Contribution
from deliberation.models.comments import CommentVote
from moderation.models import Report
from tests.helpers import create_user
from tests.moderation.factories import make_consultation, post

PARALLEL = 100


async def _setup(committed_db):  # type: ignore[no-untyped-def]
    async with committed_db.session() as session:
        consultation = await make_consultation(session)
        author = await create_user(session)
        resident = await create_user(session)
        comment = await post(session, consultation, author, "Komentarz do poparcia.")
        return consultation.id, comment.id, comment.contribution_id, resident.email


async def test_parallel_upvotes_count_once(committed_db, committed_client) -> None:
    cid, comment_id, contribution_id, email = await _setup(committed_db)
    await committed_client.login(email)
    url = f"/consultations/{cid}/comments/{comment_id}/upvote"
    responses = await asyncio.gather(*(committed_client.submit(url) for _ in range(PARALLEL)))
    assert {r.status_code for r in responses} <= {303}
    async with committed_db.session() as session:
        votes = await session.scalar(select(func.count(CommentVote.id)))
        support = await session.scalar(
            select(Contribution.support_count).where(Contribution.id == contribution_id)
        )
    assert (votes, support) == (1, 1)


async def test_parallel_reports_count_once(committed_db, committed_client) -> None:
    cid, _comment_id, contribution_id, email = await _setup(committed_db)
    await committed_client.login(email)
    url = f"/consultations/{cid}/contributions/{contribution_id}/report"
    responses = await asyncio.gather(
        *(committed_client.submit(url, {"reason": "spam"}) for _ in range(PARALLEL))
    )
    assert {r.status_code for r in responses} == {200}
    async with committed_db.session() as session:
        reports = await session.scalar(select(func.count(Report.id)))
    assert reports == 1


async def test_parallel_posts_share_a_network_bucket_exactly(committed_db) -> None:
    """30 transactions at once take from one shared bucket of 10: exactly 10 get a token."""
    from deliberation import ratelimit
    from deliberation.errors import RateLimited
    from deliberation.models import RateBucket

    shared = ratelimit.Limit(10, 3600)
    own = ratelimit.Limit(5, 60)

    async def attempt(n: int) -> bool:
        async with committed_db.session() as session:
            try:
                await ratelimit.take_all(session, [(f"race:p:{n}", own), ("race:network", shared)])
            except RateLimited:
                await session.rollback()
                return False
            await session.commit()
            return True

    results = await asyncio.gather(*(attempt(n) for n in range(30)))
    assert sum(results) == 10
    async with committed_db.session() as session:
        tokens = await session.scalar(
            select(RateBucket.tokens).where(RateBucket.key == "race:network")
        )
        own_buckets = await session.scalar(
            select(func.count()).select_from(RateBucket).where(RateBucket.key.like("race:p:%"))
        )
    assert tokens is not None and tokens < 1.0
    # A refused request rolled back: only the 10 that got through left their own bucket.
    assert own_buckets == 10
