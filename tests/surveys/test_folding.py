"""The folding task: after real commits, concurrent submissions end up folded, counted once."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from deliberation.db import Database
from deliberation.events import InProcessBus
from deliberation.permissions import ANONYMOUS
from surveys import responses, services, tallies
from surveys.folding import Folder, fold_pending
from surveys.models import SurveyResponse, SurveyTally
from surveys.results import compute_results
from tests.surveys.conftest import World, make_world


async def submit_many(database: Database, world: World, names: list[str]) -> None:
    async def one(name: str, n: int) -> None:
        async with database.session() as session:
            participant = await world.participant(session, name)
            await session.commit()
            survey = await session.get(services.Survey, world.survey.id)
            assert survey is not None
            await responses.submit_response(
                session,
                ANONYMOUS,
                world.consultation,
                survey,
                participant.id,
                {"visit": "yes" if n % 3 else "no", "rating": 1 + n % 5, "district": "reden"},
            )

    await asyncio.gather(*(one(name, n) for n, name in enumerate(names)))


async def test_folder_folds_after_submissions(committed_db: Database) -> None:
    bus = InProcessBus()
    committed_db.bus = bus
    await bus.start()
    async with committed_db.session() as session:
        world = await make_world(session)
    folder = Folder(committed_db.url, bus, delay=0.05, interval=60)
    await folder.start()
    try:
        await submit_many(committed_db, world, [f"f{n}" for n in range(30)])
        for _ in range(100):  # the folder wakes on the events; wait for it
            async with committed_db.session() as session:
                left = await session.scalar(
                    select(func.count()).select_from(SurveyResponse).where(~SurveyResponse.folded)
                )
            if left == 0:
                break
            await asyncio.sleep(0.1)
        assert left == 0
    finally:
        await folder.stop()
        await bus.stop()
        committed_db.bus = None
    async with committed_db.session() as session:
        survey = await session.get(services.Survey, world.survey.id)
        assert survey is not None
        results = await compute_results(session, world.staff, world.consultation, survey)
        version, _definition = await services.current_definition(session, survey)
        plain = dict(
            (
                await session.execute(
                    select(SurveyTally.question, func.sum(SurveyTally.n))
                    .where(
                        SurveyTally.version_id == version.id,
                        SurveyTally.grp_question == "",
                        SurveyTally.item == tallies.ANSWERED,
                    )
                    .group_by(SurveyTally.question)
                )
            ).all()
        )
    visit = next(c for c in results.questions if c.question.key == "visit")
    assert visit.total == 30 and visit.count("no") == 10
    assert int(plain["visit"]) == 30  # each response counted once in the tallies


async def test_concurrent_folds_count_once(committed_db: Database) -> None:
    """Several processes' folders at once (here: tasks with their own engines)."""
    async with committed_db.session() as session:
        world = await make_world(session)
    await submit_many(committed_db, world, [f"c{n}" for n in range(40)])
    engines = [Database(committed_db.url, pool_size=2) for _ in range(3)]
    try:
        for _ in range(3):
            await asyncio.gather(*(fold_pending(e, batch=7) for e in engines))
    finally:
        for engine in engines:
            await engine.dispose()
    async with committed_db.session() as session:
        survey = await session.get(services.Survey, world.survey.id)
        assert survey is not None
        left = await session.scalar(
            select(func.count()).select_from(SurveyResponse).where(~SurveyResponse.folded)
        )
        results = await compute_results(session, world.staff, world.consultation, survey)
        version, _definition = await services.current_definition(session, survey)
        answered = await session.scalar(
            select(func.sum(SurveyTally.n)).where(
                SurveyTally.version_id == version.id,
                SurveyTally.grp_question == "",
                SurveyTally.question == "visit",
                SurveyTally.item == tallies.ANSWERED,
            )
        )
    assert left == 0
    assert int(answered or 0) == 40
    visit = next(c for c in results.questions if c.question.key == "visit")
    assert visit.total == 40
