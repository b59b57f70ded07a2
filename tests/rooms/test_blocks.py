"""A moderator's block covers live rooms: a blocked participant cannot ask, nothing changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from deliberation.db import utcnow
from deliberation.errors import PermissionDenied
from deliberation.i18n import language
from moderation.models import Block
from rooms import services
from rooms.models import Question, Room
from tests.rooms.conftest import make_member


async def test_blocked_participant_cannot_ask(session, setup):
    room = await session.get(Room, setup.room_id)
    alice = await make_member(session, setup, "Alicja")
    bob = await make_member(session, setup, "Bob")
    session.add(Block(participant_id=alice.id, consultation_id=room.consultation_id))
    session.add(Block(participant_id=bob.id, consultation_id=None, reason="spam"))  # everywhere
    await session.commit()
    before = (await session.get(Room, setup.room_id, populate_existing=True)).last_seq
    for who in (alice, bob):
        with language("pl"), pytest.raises(PermissionDenied) as caught:
            await services.ask(session, setup.room_id, who, "Czy mogę zapytać?")
        assert caught.value.code == "blocked" and "zablokował" in str(caught.value.message)
    assert await session.scalar(select(func.count()).select_from(Question)) == 0
    assert (await session.get(Room, setup.room_id, populate_existing=True)).last_seq == before


async def test_an_expired_or_lifted_block_no_longer_applies(session, setup):
    room = await session.get(Room, setup.room_id)
    alice = await make_member(session, setup, "Alicja")
    bob = await make_member(session, setup, "Bob")
    session.add(
        Block(
            participant_id=alice.id,
            consultation_id=room.consultation_id,
            until=utcnow() - timedelta(minutes=1),
        )
    )
    session.add(Block(participant_id=bob.id, consultation_id=None, lifted_at=utcnow()))
    await session.commit()
    for who in (alice, bob):
        question = await services.ask(session, setup.room_id, who, f"Pytanie od {who.id}")
        assert question.id is not None
