"""Submitting by ids (``surveys.online``): on PostgreSQL one guarded statement with the survey
read once per process; every check still holds when that cached state has gone stale."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import utcnow
from deliberation.errors import (
    Conflict,
    LoginRequired,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from deliberation.models import Channel, Consultation, ConsultationStatus, Contribution
from deliberation.permissions import ANONYMOUS
from surveys import online, responses, services
from surveys.models import (
    Audience,
    Survey,
    SurveyAnswer,
    SurveyDraft,
    SurveyResponse,
    SurveyStatus,
    SurveyVersion,
)
from tests.surveys.conftest import World

GOOD: dict[str, Any] = {
    "visit": "yes",
    "needs": ["benches", "lights"],
    "rating": 4,
    "ideas": "More shade",
}


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    online._OPEN.clear()
    yield
    online._OPEN.clear()


def postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def stored(session: AsyncSession) -> tuple[int, int]:
    n_responses = await session.scalar(select(func.count()).select_from(SurveyResponse))
    n_answers = await session.scalar(select(func.count()).select_from(SurveyAnswer))
    return int(n_responses or 0), int(n_answers or 0)


async def send(
    session: AsyncSession, world: World, name: str, answers: dict[str, Any], **kw: Any
) -> responses.Submitted:
    participant = await world.participant(session, name)
    return await online.submit_online(
        session,
        kw.pop("principal", ANONYMOUS),
        kw.pop("consultation_id", world.consultation.id),
        world.survey.id,
        participant.id,
        answers,
        new_participant=kw.pop("new_participant", True),
    )


async def warm(session: AsyncSession, world: World) -> None:
    """One accepted response, so this process has the survey cached (PostgreSQL)."""
    await send(session, world, "first", GOOD)
    assert (world.survey.id in online._OPEN) is postgres(session)


async def test_rows_contribution_and_event_as_the_ordinary_path(
    session: AsyncSession, world: World
) -> None:
    await warm(session, world)
    answers = {**GOOD, "needs": ["benches", {"other": "A fountain"}]}  # "other": no contribution
    fast = await send(session, world, "fast", answers)
    participant = await world.participant(session, "slow")
    slow = await responses.submit_response(
        session, ANONYMOUS, world.consultation, world.survey, participant.id, answers
    )
    assert fast.version == slow.version == world.survey.current_version
    assert len(fast.claim_code) == 14

    async def rows(response_id: int) -> list[tuple[Any, ...]]:
        found = await session.execute(
            select(
                SurveyAnswer.version_id,
                SurveyAnswer.channel,
                SurveyAnswer.question,
                SurveyAnswer.item,
                SurveyAnswer.value,
                SurveyAnswer.num,
                SurveyAnswer.text,
            ).where(SurveyAnswer.response_id == response_id)
        )
        return sorted(tuple(row) for row in found)

    assert await rows(fast.response.id) == await rows(slow.response.id)
    kept = await session.get(SurveyResponse, fast.response.id)
    assert kept is not None and kept.answers == answers and not kept.folded
    assert kept.claim_hash == responses.claim_hash(fast.claim_code)
    claimed = await responses.find_claimed(session, fast.claim_code)
    assert claimed is not None and claimed.response.id == fast.response.id
    ideas = await session.scalar(
        select(SurveyAnswer.id).where(
            SurveyAnswer.response_id == fast.response.id, SurveyAnswer.question == "ideas"
        )
    )
    contribution = await session.scalar(
        select(Contribution).where(
            Contribution.source_type == responses.SOURCE, Contribution.source_id == ideas
        )
    )
    assert contribution is not None
    assert contribution.channel is Channel.SURVEY_ANSWER and contribution.body == "More shade"
    mine = select(func.count()).where(Contribution.author_participant_id == kept.participant_id)
    assert await session.scalar(mine) == 1
    assert contribution.author_participant_id == kept.participant_id
    # Column by column as the contribution record makes it on the ordinary path.
    ordinary = await session.scalar(
        select(Contribution).where(
            Contribution.source_type == responses.SOURCE,
            Contribution.author_participant_id == participant.id,
        )
    )
    assert ordinary is not None

    def columns(row: Contribution) -> dict[str, Any]:
        skip = {"id", "source_id", "author_participant_id", "created_at", "updated_at"}
        return {
            c.key: getattr(row, c.key) for c in Contribution.__table__.columns if c.key not in skip
        }

    assert columns(contribution) == columns(ordinary)
    assert contribution.created_at is not None and contribution.updated_at is not None


async def test_events_are_published_after_commit(
    session: AsyncSession, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await warm(session, world)
    staged: list[list[str]] = []
    real_commit = online.commit

    async def watching(s: AsyncSession) -> None:
        staged.append([event.type for event in s.info.get("pending_events", [])])
        await real_commit(s)

    monkeypatch.setattr(online, "commit", watching)  # the short way (PostgreSQL)
    monkeypatch.setattr(responses, "commit", watching)  # the ordinary path
    await send(session, world, "events", GOOD)
    assert staged == [["contribution.created", "survey.response_submitted"]], staged


async def test_closed_after_caching_is_refused(session: AsyncSession, world: World) -> None:
    await warm(session, world)
    await services.set_status(
        session, world.staff, world.consultation, world.survey, SurveyStatus.CLOSED
    )
    before = await stored(session)
    with pytest.raises(Conflict) as caught:
        await send(session, world, "late", GOOD)
    assert caught.value.code == "survey_closed"
    assert await stored(session) == before


async def test_closing_date_passed_after_caching_is_refused(
    session: AsyncSession, world: World
) -> None:
    await warm(session, world)
    # Behind the cache's back, as another process would: the statement must see it.
    await session.execute(
        update(Survey)
        .where(Survey.id == world.survey.id)
        .values(closes_at=utcnow() - timedelta(seconds=1))
    )
    before = await stored(session)
    with pytest.raises(Conflict) as caught:
        await send(session, world, "late", GOOD)
    assert caught.value.code == "survey_closed"
    assert await stored(session) == before


async def test_accounts_only_after_caching_needs_login(session: AsyncSession, world: World) -> None:
    await warm(session, world)
    await session.execute(
        update(Survey).where(Survey.id == world.survey.id).values(audience=Audience.ACCOUNTS)
    )
    before = await stored(session)
    with pytest.raises(LoginRequired):
        await send(session, world, "anon", GOOD)
    assert await stored(session) == before


async def test_consultation_back_to_draft_after_caching_is_not_found(
    session: AsyncSession, world: World
) -> None:
    await warm(session, world)
    await session.execute(
        update(Consultation)
        .where(Consultation.id == world.consultation.id)
        .values(status=ConsultationStatus.DRAFT)
    )
    before = await stored(session)
    with pytest.raises(NotFound):
        await send(session, world, "hidden", GOOD)
    assert await stored(session) == before


async def test_wrong_consultation_is_not_found(session: AsyncSession, world: World) -> None:
    await warm(session, world)
    with pytest.raises(NotFound):
        await send(session, world, "elsewhere", GOOD, consultation_id=world.consultation.id + 999)


async def test_option_added_in_place_after_caching_is_accepted(
    session: AsyncSession, world: World
) -> None:
    """A safe edit changes the version in place: answers are checked against the new text."""
    await warm(session, world)
    working = copy.deepcopy(world.survey.working)
    needs = working["sections"][0]["questions"][1]
    needs["options"].append({"key": "fountain", "label": "A fountain"})
    await services.save_working(session, world.staff, world.consultation, world.survey, working)
    applied = await services.apply_changes(session, world.staff, world.consultation, world.survey)
    assert applied.changed and not applied.new_version
    done = await send(session, world, "fountain", {**GOOD, "needs": ["fountain"]})
    kept = await session.get(SurveyResponse, done.response.id)
    assert kept is not None and kept.answers["needs"] == ["fountain"]


async def test_option_removed_in_a_new_version_after_caching_is_refused(
    session: AsyncSession, world: World
) -> None:
    await warm(session, world)
    working = copy.deepcopy(world.survey.working)
    needs = working["sections"][0]["questions"][1]
    needs["options"] = [o for o in needs["options"] if o["key"] != "lights"]
    await services.save_working(session, world.staff, world.consultation, world.survey, working)
    applied = await services.apply_changes(
        session, world.staff, world.consultation, world.survey, new_version=True
    )
    assert applied.new_version
    before = await stored(session)
    with pytest.raises(ValidationFailed) as caught:
        await send(session, world, "old", GOOD)
    assert "q_needs" in caught.value.fields
    assert await stored(session) == before
    done = await send(session, world, "new", {**GOOD, "needs": ["benches"]})
    assert done.version == applied.version
    kept = await session.get(SurveyResponse, done.response.id)
    version = await services.version_of(session, world.survey)
    assert kept is not None and kept.version_id == version.id


@pytest.mark.parametrize(
    "answers",
    [
        {**GOOD, "rating": 9},
        {**GOOD, "needs": ["yes"]},
        {"visit": "no", "needs": ["benches"]},
        {k: v for k, v in GOOD.items() if k != "visit"},
    ],
    ids=["out-of-range", "other-question-option", "hidden", "missing-required"],
)
async def test_bad_answers_store_nothing(
    session: AsyncSession, world: World, answers: dict[str, Any]
) -> None:
    await warm(session, world)
    before = await stored(session)
    with pytest.raises(ValidationFailed):
        await send(session, world, "bad", answers)
    assert await stored(session) == before


async def test_second_response_is_refused(session: AsyncSession, world: World) -> None:
    await warm(session, world)
    before = await stored(session)
    with pytest.raises(Conflict) as caught:
        await send(session, world, "first", {**GOOD, "rating": 1}, new_participant=False)
    assert caught.value.code == "already_answered"
    assert await stored(session) == before


async def test_blocked_participant_is_refused(session: AsyncSession, world: World) -> None:
    from moderation.models import Block

    await warm(session, world)
    participant = await world.participant(session, "blocked")
    session.add(Block(participant_id=participant.id, consultation_id=None, reason="spam"))
    await session.commit()
    before = await stored(session)
    with pytest.raises(PermissionDenied) as caught:
        await send(session, world, "blocked", GOOD, new_participant=False)
    assert caught.value.code == "blocked"
    assert await stored(session) == before


async def test_draft_is_removed_on_submit(session: AsyncSession, world: World) -> None:
    await warm(session, world)
    participant = await world.participant(session, "drafter")
    other = await world.participant(session, "other")
    for who in (participant, other):
        await responses.save_draft(session, ANONYMOUS, world.survey, who.id, {"visit": "no"})
    await send(session, world, "drafter", {"visit": "no"}, new_participant=False)
    left = (await session.scalars(select(SurveyDraft.participant_id))).all()
    assert left == [other.id]


async def test_definition_changed_behind_the_cache_is_checked_against_the_stored_one(
    session: AsyncSession, world: World
) -> None:
    """No edit through the builder narrows a version in place, but whatever the stored definition
    says decides: here open answers shrink to 5 characters after this process cached 500."""
    await warm(session, world)
    version = await services.version_of(session, world.survey)
    narrowed = copy.deepcopy(version.definition)
    ideas = narrowed["sections"][0]["questions"][3]
    assert ideas["key"] == "ideas"
    ideas["max_length"] = 5
    await session.execute(
        update(SurveyVersion).where(SurveyVersion.id == version.id).values(definition=narrowed)
    )
    before = await stored(session)
    with pytest.raises(ValidationFailed) as caught:
        await send(session, world, "long", GOOD)  # "More shade": fine for the cached one
    assert "q_ideas" in caught.value.fields
    assert await stored(session) == before
