"""200 parallel submissions from one participant store exactly one response (real commits)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from deliberation.app import create_app
from deliberation.db import Database
from deliberation.errors import Conflict
from deliberation.features import load_features
from deliberation.permissions import ANONYMOUS
from deliberation.settings import Settings
from surveys import responses
from surveys.models import SurveyAnswer, SurveyResponse
from tests.conftest import Client
from tests.surveys.conftest import make_world


@pytest.fixture
async def small_db(committed_db: Database, migrated: str) -> AsyncIterator[Database]:
    """Real commits through a small pool: the PostgreSQL server is shared with other test runs.

    committed_db empties the tables afterwards.
    """
    database = Database(migrated, pool_size=5)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.mark.parametrize("skip_precheck", [False, True], ids=["precheck", "constraint-only"])
async def test_parallel_submissions_store_one(
    small_db: Database, monkeypatch: pytest.MonkeyPatch, skip_precheck: bool
) -> None:
    if skip_precheck:  # only the unique constraint stands between the requests

        async def nothing_yet(*_args: object) -> None:
            return None

        monkeypatch.setattr(responses, "response_of", nothing_yet)
    async with small_db.session() as session:
        world = await make_world(session)
        participant = await world.participant(session, "racer")
        await session.commit()

    async def attempt(n: int) -> str:
        async with small_db.session() as session:
            survey = await session.get(type(world.survey), world.survey.id)
            assert survey is not None
            try:
                await responses.submit_response(
                    session,
                    ANONYMOUS,
                    world.consultation,
                    survey,
                    participant.id,
                    {"visit": "yes", "rating": 1 + n % 5},
                )
            except Conflict as exc:
                return exc.code
            return "stored"

    outcomes = await asyncio.gather(*(attempt(n) for n in range(200)))
    assert outcomes.count("stored") == 1, set(outcomes)
    assert set(outcomes) == {"stored", "already_answered"}
    async with small_db.session() as session:
        assert await session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
        assert await session.scalar(select(func.count()).select_from(SurveyAnswer)) == 2


async def test_parallel_http_submissions_store_one(
    committed_db: Database, settings: Settings, migrated: str
) -> None:
    """Through the whole app; a small pool, so other test runs keep PostgreSQL connections."""
    async with committed_db.session() as session:
        world = await make_world(session)
    database = Database(migrated, pool_size=4)
    app = create_app(settings, database=database, features=load_features(), configure_logs=False)
    url = f"/api/consultations/{world.consultation.id}/surveys/{world.survey.id}/responses"
    try:
        async with (
            app.router.lifespan_context(app),
            Client(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client,
        ):
            await client.prime()
            first = await client.api("POST", url, {"answers": {"visit": "no"}})
            assert first.status_code == 201  # also gives the client its participant cookie
            async with committed_db.session() as session:
                await session.execute(SurveyAnswer.__table__.delete())
                await session.execute(SurveyResponse.__table__.delete())
                await session.commit()
            replies = await asyncio.gather(
                *(client.api("POST", url, {"answers": {"visit": "yes"}}) for _ in range(200))
            )
    finally:
        await database.dispose()
    codes = sorted(reply.status_code for reply in replies)
    assert codes.count(201) == 1, codes[-5:]
    assert set(codes) == {201, 409}
    async with committed_db.session() as session:
        assert await session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
