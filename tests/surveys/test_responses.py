"""Ballot integrity: every kind of bad input is refused with a clear message and nothing stored."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import utcnow
from deliberation.errors import Conflict, LoginRequired, PermissionDenied, ValidationFailed
from deliberation.i18n import language
from deliberation.models import Channel, Contribution
from deliberation.permissions import ANONYMOUS
from surveys import responses, services
from surveys.models import Audience, SurveyAnswer, SurveyDraft, SurveyResponse, SurveyStatus
from tests.surveys.conftest import World

GOOD: dict[str, Any] = {
    "visit": "yes",
    "needs": ["benches", "lights"],
    "rating": 4,
    "ideas": "More shade",
}


async def stored(session: AsyncSession) -> tuple[int, int]:
    n_responses = await session.scalar(select(func.count()).select_from(SurveyResponse))
    n_answers = await session.scalar(select(func.count()).select_from(SurveyAnswer))
    return int(n_responses or 0), int(n_answers or 0)


async def submit(session: AsyncSession, world: World, name: str, answers: dict[str, Any]) -> Any:
    participant = await world.participant(session, name)
    return await responses.submit_response(
        session, ANONYMOUS, world.consultation, world.survey, participant.id, answers
    )


async def test_submit_stores_rows_and_a_contribution(session: AsyncSession, world: World) -> None:
    result = await submit(session, world, "a", GOOD)
    assert len(result.claim_code) == 14
    response = result.response
    assert response.answers == GOOD
    rows = (
        await session.scalars(select(SurveyAnswer).where(SurveyAnswer.response_id == response.id))
    ).all()
    assert sorted((r.question, r.item) for r in rows) == [
        ("ideas", ""),
        ("needs", "benches"),
        ("needs", "lights"),
        ("rating", "4"),
        ("visit", "yes"),
    ]
    contribution = await session.scalar(
        select(Contribution).where(Contribution.source_type == "survey_answer")
    )
    assert contribution is not None
    assert contribution.channel is Channel.SURVEY_ANSWER
    assert contribution.body == "More shade"
    found = await responses.find_claimed(session, result.claim_code.lower())
    assert found is not None and found.response == response and found.survey.id == world.survey.id
    assert await responses.find_claimed(session, "AAAA-BBBB-CCCC") is None


@pytest.mark.parametrize(
    ("answers", "field", "polish"),
    [
        ({**GOOD, "rating": 9}, "q_rating", "Wybierz wartość od 1 do 5."),
        ({**GOOD, "needs": ["yes"]}, "q_needs", None),
        ({**GOOD, "needs": ["benches", "lights", "trees"]}, "q_needs", None),
        ({k: v for k, v in GOOD.items() if k != "visit"}, "q_visit", None),
        ({"visit": "no", "needs": ["benches"]}, "q_needs", None),
        ({**GOOD, "ideas": "x" * 501}, "q_ideas", None),
        ({**GOOD, "colour": "red"}, "q_colour", None),
        ({**GOOD, "rating": True}, "q_rating", None),
    ],
    ids=[
        "out-of-range",
        "other-question-option",
        "too-many",
        "missing-required",
        "hidden",
        "oversized",
        "unknown",
        "bool-as-number",
    ],
)
async def test_bad_answers_store_nothing(
    session: AsyncSession, world: World, answers: dict[str, Any], field: str, polish: str | None
) -> None:
    before = await stored(session)
    with language("pl"), pytest.raises(ValidationFailed) as caught:
        await submit(session, world, "bad", answers)
    assert field in caught.value.fields
    message = str(caught.value.fields[field])
    assert message
    if polish:
        assert message == polish
    assert await stored(session) == before


async def test_second_response_is_refused(session: AsyncSession, world: World) -> None:
    await submit(session, world, "twice", GOOD)
    before = await stored(session)
    with language("pl"), pytest.raises(Conflict) as caught:
        await submit(session, world, "twice", {**GOOD, "rating": 1})
    assert caught.value.code == "already_answered"
    assert "już" in str(caught.value.message)
    assert await stored(session) == before


async def test_second_response_is_refused_without_the_precheck(
    session: AsyncSession, world: World
) -> None:
    """``new_participant`` skips the lookup; the unique constraint still refuses a second one."""
    participant = await world.participant(session, "fresh")
    await responses.submit_response(
        session, ANONYMOUS, world.consultation, world.survey, participant.id, GOOD,
        new_participant=True,
    )  # fmt: skip
    before = await stored(session)
    with pytest.raises(Conflict) as caught:
        await responses.submit_response(
            session, ANONYMOUS, world.consultation, world.survey, participant.id, GOOD,
            new_participant=True,
        )  # fmt: skip
    assert caught.value.code == "already_answered"
    assert await stored(session) == before


async def test_a_blocked_participant_cannot_answer(session: AsyncSession, world: World) -> None:
    from moderation.models import Block

    participant = await world.participant(session, "blocked")
    session.add(Block(participant_id=participant.id, consultation_id=None, reason="spam"))
    await session.commit()
    before = await stored(session)
    with language("pl"), pytest.raises(PermissionDenied) as caught:
        await responses.submit_response(
            session, ANONYMOUS, world.consultation, world.survey, participant.id, GOOD
        )
    assert caught.value.code == "blocked" and "zablokował" in str(caught.value.message)
    assert await stored(session) == before


async def test_answers_after_closing_are_refused(session: AsyncSession, world: World) -> None:
    await services.set_status(
        session, world.staff, world.consultation, world.survey, SurveyStatus.CLOSED
    )
    with pytest.raises(Conflict) as caught:
        await submit(session, world, "late", GOOD)
    assert caught.value.code == "survey_closed"
    assert await stored(session) == (0, 0)


async def test_closing_date_in_the_past_refuses(session: AsyncSession, world: World) -> None:
    world.survey.closes_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(Conflict):
        await submit(session, world, "late2", GOOD)


async def test_accounts_only_survey_needs_login(session: AsyncSession, world: World) -> None:
    world.survey.audience = Audience.ACCOUNTS
    with pytest.raises(LoginRequired):
        await submit(session, world, "anon", GOOD)


async def test_update_keeps_unchanged_contribution(session: AsyncSession, world: World) -> None:
    result = await submit(session, world, "edit", GOOD)
    participant = await world.participant(session, "edit")
    before = await session.scalar(
        select(Contribution.id).where(Contribution.source_type == "survey_answer")
    )
    await responses.update_response(
        session, ANONYMOUS, world.consultation, world.survey, participant.id, {**GOOD, "rating": 2}
    )
    assert result.response.answers["rating"] == 2
    after = await session.scalar(
        select(Contribution.id).where(Contribution.source_type == "survey_answer")
    )
    assert before == after
    await responses.update_response(
        session, ANONYMOUS, world.consultation, world.survey, participant.id, {"visit": "no"}
    )
    count = await session.scalar(
        select(func.count())
        .select_from(Contribution)
        .where(Contribution.source_type == "survey_answer")
    )
    assert count == 0
    world.survey.editable_until_close = False
    with pytest.raises(Conflict):
        await responses.update_response(
            session, ANONYMOUS, world.consultation, world.survey, participant.id, GOOD
        )


async def test_drafts_are_saved_and_removed_on_submit(session: AsyncSession, world: World) -> None:
    participant = await world.participant(session, "draft")
    await responses.save_draft(session, ANONYMOUS, world.survey, participant.id, {"visit": "yes"})
    await responses.save_draft(session, ANONYMOUS, world.survey, participant.id, {"visit": "no"})
    assert await responses.load_draft(session, world.survey, participant.id) == {"visit": "no"}
    await responses.submit_response(
        session, ANONYMOUS, world.consultation, world.survey, participant.id, {"visit": "no"}
    )
    assert await session.scalar(select(func.count()).select_from(SurveyDraft)) == 0


async def test_paper_response(session: AsyncSession, world: World) -> None:
    response = await responses.enter_paper_response(
        session,
        world.staff,
        world.consultation,
        world.survey,
        {"visit": "no", "ideas": "Toilets"},
        received_on=date.today(),
    )
    assert response.participant_id is None
    assert response.entered_by_id == world.facilitator.id
    contribution = await session.scalar(
        select(Contribution).where(Contribution.source_type == "survey_answer")
    )
    assert contribution is not None and contribution.recorded_by_id == world.facilitator.id
    with pytest.raises(ValidationFailed):
        await responses.enter_paper_response(
            session,
            world.staff,
            world.consultation,
            world.survey,
            {"visit": "no"},
            received_on=date.today() + timedelta(days=2),
        )
    with pytest.raises((PermissionDenied, LoginRequired)):
        await responses.enter_paper_response(
            session,
            ANONYMOUS,
            world.consultation,
            world.survey,
            {"visit": "no"},
            received_on=date.today(),
        )
