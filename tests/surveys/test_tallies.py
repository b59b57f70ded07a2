"""Results are exact whatever has been folded: before, between and after folds, and edits."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.permissions import ANONYMOUS
from surveys import responses, services, tallies
from surveys.models import SurveyResponse, SurveyTally
from surveys.results import Results, compute_results
from tests.surveys.conftest import World

ANSWERS = [
    {"visit": "yes", "needs": ["benches", {"other": "A pond"}], "rating": 4, "ideas": "Shade"},
    {"visit": "yes", "needs": ["lights"], "rating": 2, "district": "reden"},
    {"visit": "no", "rating": 5, "district": "reden"},
]
EDIT = {"visit": "no", "rating": 1, "district": "reden"}


async def snapshot(session: AsyncSession, version_id: int) -> dict[tuple[str, ...], int]:
    rows = await session.execute(select(SurveyTally).where(SurveyTally.version_id == version_id))
    out: dict[tuple[str, ...], int] = {}
    for (t,) in rows:
        key = (t.grp_question, t.grp_item, t.question, t.item, t.value, t.channel.value)
        out[key] = out.get(key, 0) + t.n
    return {key: n for key, n in out.items() if n}


def figures(results: Results) -> dict[str, Any]:
    return {
        "responses": results.responses,
        "cells": {c.question.key: c.cells for c in results.questions},
        "answered": {c.question.key: c.answered for c in results.questions},
        "crosstab": results.crosstab,
    }


async def results_of(session: AsyncSession, world: World) -> Results:
    return await compute_results(
        session, world.staff, world.consultation, world.survey, by="district"
    )


async def fold_all(session: AsyncSession, world: World) -> int:
    version, definition = await services.current_definition(session, world.survey)
    return await tallies.fold(session, version.id, tallies.single_choice_keys(definition))


async def unfolded_count(session: AsyncSession) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(SurveyResponse).where(~SurveyResponse.folded)
        )
        or 0
    )


def check(results: Results) -> None:
    visit = next(c for c in results.questions if c.question.key == "visit")
    assert visit.count("yes") == 1 and visit.count("no") == 3
    assert visit.answered == {"online": 3, "paper": 1}
    needs = next(c for c in results.questions if c.question.key == "needs")
    assert needs.count("benches") == 1 and needs.count("lights") == 0
    assert results.crosstab["rating"]["reden"] == {("5", ""): 1, ("1", ""): 1}
    assert results.crosstab["visit"]["reden"] == {("no", ""): 2}
    assert results.total == 4


@pytest.mark.parametrize("fold_after", [(), (1,), (3,), (4,), (1, 2, 3, 4, 5)])
async def test_results_exact_whatever_is_folded(
    session: AsyncSession, world: World, fold_after: tuple[int, ...]
) -> None:
    """Steps: 3 online responses, 1 paper, then an edit; fold after the steps listed."""
    for n, given in enumerate(ANSWERS):
        participant = await world.participant(session, f"t{n}")
        await responses.submit_response(
            session, ANONYMOUS, world.consultation, world.survey, participant.id, given
        )
        if n + 1 in fold_after:
            assert await fold_all(session, world) > 0
    await responses.enter_paper_response(
        session,
        world.staff,
        world.consultation,
        world.survey,
        {"visit": "no"},
        received_on=date.today(),
    )
    if 4 in fold_after:
        assert await fold_all(session, world) > 0
    edited = await world.participant(session, "t1")
    await responses.update_response(
        session, ANONYMOUS, world.consultation, world.survey, edited.id, EDIT
    )
    if 5 in fold_after:
        assert await fold_all(session, world) == 1  # only the edited response is new
        assert await unfolded_count(session) == 0
    check(await results_of(session, world))
    # Folding everything and recounting from the answer rows change nothing.
    await fold_all(session, world)
    assert await unfolded_count(session) == 0
    folded = await results_of(session, world)
    check(folded)
    version, definition = await services.current_definition(session, world.survey)
    before = await snapshot(session, version.id)
    await tallies.rebuild(session, version.id, tallies.single_choice_keys(definition))
    assert await snapshot(session, version.id) == before
    assert figures(await results_of(session, world)) == figures(folded)


async def test_submission_writes_no_tally(session: AsyncSession, world: World) -> None:
    participant = await world.participant(session, "quiet")
    await responses.submit_response(
        session, ANONYMOUS, world.consultation, world.survey, participant.id, ANSWERS[0]
    )
    assert await session.scalar(select(func.count()).select_from(SurveyTally)) == 0
    assert await unfolded_count(session) == 1
    assert await fold_all(session, world) == 1
    assert await session.scalar(select(func.count()).select_from(SurveyTally)) > 0
    assert await fold_all(session, world) == 0


async def test_fold_in_batches(session: AsyncSession, world: World) -> None:
    for n in range(5):
        participant = await world.participant(session, f"b{n}")
        await responses.submit_response(
            session,
            ANONYMOUS,
            world.consultation,
            world.survey,
            participant.id,
            {"visit": "yes", "rating": 1 + n},
        )
    version, definition = await services.current_definition(session, world.survey)
    singles = tallies.single_choice_keys(definition)
    assert await tallies.fold(session, version.id, singles, limit=2) == 2
    assert await unfolded_count(session) == 3
    results = await results_of(session, world)
    rating = next(c for c in results.questions if c.question.key == "rating")
    assert {item for item, _value in rating.cells} == {"1", "2", "3", "4", "5"}
    assert rating.total == 5
    assert await tallies.fold(session, version.id, singles, limit=2) == 2
    assert await tallies.fold(session, version.id, singles, limit=2) == 1
    assert await tallies.fold(session, version.id, singles, limit=2) == 0
    again = await results_of(session, world)
    assert figures(again) == figures(results)
