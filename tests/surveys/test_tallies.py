"""The running tallies always equal a recount from the answer rows, also after edits."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.permissions import ANONYMOUS
from surveys import responses, services, tallies
from surveys.models import SurveyTally
from surveys.results import compute_results
from tests.surveys.conftest import World


async def snapshot(session: AsyncSession, version_id: int) -> dict[tuple[str, ...], int]:
    rows = await session.execute(select(SurveyTally).where(SurveyTally.version_id == version_id))
    out: dict[tuple[str, ...], int] = {}
    for (t,) in rows:
        key = (t.grp_question, t.grp_item, t.question, t.item, t.value, t.channel.value)
        out[key] = out.get(key, 0) + t.n
    return {key: n for key, n in out.items() if n}


async def test_incremental_equals_rebuild(session: AsyncSession, world: World) -> None:
    answers = [
        {"visit": "yes", "needs": ["benches", {"other": "A pond"}], "rating": 4, "ideas": "Shade"},
        {"visit": "yes", "needs": ["lights"], "rating": 2, "district": "reden"},
        {"visit": "no", "rating": 5, "district": "reden"},
    ]
    for n, given in enumerate(answers):
        participant = await world.participant(session, f"t{n}")
        await responses.submit_response(
            session, ANONYMOUS, world.consultation, world.survey, participant.id, given
        )
    await responses.enter_paper_response(
        session,
        world.staff,
        world.consultation,
        world.survey,
        {"visit": "no"},
        received_on=date.today(),
    )
    edited = await world.participant(session, "t1")
    await responses.update_response(
        session,
        ANONYMOUS,
        world.consultation,
        world.survey,
        edited.id,
        {"visit": "no", "rating": 1, "district": "reden"},
    )
    version, definition = await services.current_definition(session, world.survey)
    incremental = await snapshot(session, version.id)
    await tallies.rebuild(session, version.id, tallies.single_choice_keys(definition))
    assert await snapshot(session, version.id) == incremental
    results = await compute_results(
        session, world.staff, world.consultation, world.survey, by="district"
    )
    visit = next(c for c in results.questions if c.question.key == "visit")
    assert visit.count("yes") == 1 and visit.count("no") == 3
    assert visit.answered == {"online": 3, "paper": 1}
    assert results.crosstab["rating"]["reden"] == {("5", ""): 1, ("1", ""): 1}
    assert results.crosstab["visit"]["reden"] == {("no", ""): 2}
