"""The state of a room as one client may see it, with the sequence number it is valid from.

The number is read before the state, so the state is at least as new as the number; every event
carries whole objects or absolute counts, so replaying an event already in the state is harmless.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from rooms.errors import RoomNotFound
from rooms.models import Room
from rooms.polls import room_polls
from rooms.schema import poll_data, public_poll, public_question, question_data, room_data
from rooms.services import my_votes, room_questions


async def snapshot(
    session: AsyncSession, room_id: int, *, staff: bool, participant_id: int | None = None
) -> dict[str, Any]:
    room = await session.get(Room, room_id, populate_existing=True)
    if room is None:
        raise RoomNotFound()
    seq = room.last_seq
    questions = [question_data(q) for q in await room_questions(session, room_id)]
    polls = [poll_data(p, r) for p, r in await room_polls(session, room_id)]
    if not staff:
        questions = [public_question(q) for q in questions]
        polls = [public_poll(p) for p in polls if p["status"] != "draft"]
    me = None
    if participant_id is not None:
        me = {
            "participant_id": participant_id,
            "votes": await my_votes(session, room_id, participant_id),
        }
    return {
        "type": "snapshot",
        "seq": seq,
        "room": room_data(room),
        "questions": questions,
        "polls": polls,
        "me": me,
    }
