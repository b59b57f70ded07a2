"""Actions that clients send as JSON (over the WebSocket), validated and checked per message.

Participant actions need a participant who joined the room; facilitator actions need a socket
opened as the console by someone allowed to run the room (the services check it again).
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.errors import DomainError, PermissionDenied
from deliberation.i18n import _l
from deliberation.models import Participant
from deliberation.permissions import Principal
from rooms import polls, services
from rooms.errors import NotJoined
from rooms.models import PollKind, RoomStatus


class _Msg(BaseModel):
    model_config = ConfigDict(extra="ignore")
    ref: Any = None


class Ask(_Msg):
    action: Literal["ask"]
    body: str = Field(max_length=2000)


class VoteMsg(_Msg):
    action: Literal["vote", "unvote"]
    question_id: int


class AnswerPoll(_Msg):
    action: Literal["answer_poll"]
    poll_id: int
    value: int | list[int] | str


class Moderate(_Msg):
    action: Literal["moderate"]
    question_id: int
    op: str = Field(max_length=20)
    reason: str | None = Field(default=None, max_length=500)
    body: str | None = Field(default=None, max_length=2000)
    target_id: int | None = None


class RoomControl(_Msg):
    action: Literal["room"]
    status: RoomStatus | None = None
    premoderated: bool | None = None


class AskInPerson(_Msg):
    action: Literal["ask_in_person"]
    body: str = Field(max_length=2000)
    attendee_name: str | None = Field(default=None, max_length=80)


class PollCreate(_Msg):
    action: Literal["poll_create"]
    kind: PollKind
    prompt: str = Field(max_length=300)
    options: list[Annotated[str, Field(max_length=120)]] = Field(default=[], max_length=10)


class PollControl(_Msg):
    action: Literal["poll"]
    poll_id: int
    op: str = Field(max_length=20)


class Ban(_Msg):
    action: Literal["ban"]
    participant_id: int
    reason: str = Field(default="", max_length=500)


PARTICIPANT_ACTIONS: dict[str, type[_Msg]] = {
    "ask": Ask,
    "vote": VoteMsg,
    "unvote": VoteMsg,
    "answer_poll": AnswerPoll,
}
STAFF_ACTIONS: dict[str, type[_Msg]] = {
    "moderate": Moderate,
    "room": RoomControl,
    "ask_in_person": AskInPerson,
    "poll_create": PollCreate,
    "poll": PollControl,
    "ban": Ban,
}


class MessageBudget:
    """At most 20 messages a second per socket on average, bursts of 40."""

    def __init__(self, rate: float = 20.0, burst: float = 40.0) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.at = burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


async def dispatch(
    session: AsyncSession,
    hub: Any,
    room_id: int,
    principal: Principal,
    staff: bool,
    participant_id: int | None,
    data: dict[str, Any],
) -> dict[str, Any]:
    """Run one action; returns the acknowledgement's fields. Raises DomainError."""
    name = data.get("action")
    if not isinstance(name, str) or name not in PARTICIPANT_ACTIONS | STAFF_ACTIONS:
        raise DomainError(_l("Unknown action."), code="unknown_action")
    if name in STAFF_ACTIONS:
        if not staff:
            raise PermissionDenied()
        staff_msg: BaseModel = STAFF_ACTIONS[name].model_validate(data)
        with hub.acting(room_id):
            return await _staff(session, principal, room_id, staff_msg)
    msg: BaseModel = PARTICIPANT_ACTIONS[name].model_validate(data)
    if participant_id is None:
        raise NotJoined()
    participant = await session.get(Participant, participant_id)
    if participant is None:
        raise NotJoined()
    if isinstance(msg, Ask):
        with hub.acting(room_id):
            question = await services.ask(session, room_id, participant, msg.body)
        return {"question_id": question.id}
    if isinstance(msg, VoteMsg):
        votes = await services.vote(
            session,
            room_id,
            msg.question_id,
            participant.id,
            up=msg.action == "vote",
            limiter=hub.vote_limiter,
        )
        return {"question_id": msg.question_id, "votes": votes}
    assert isinstance(msg, AnswerPoll)
    await polls.answer(session, room_id, msg.poll_id, participant, msg.value)
    return {"poll_id": msg.poll_id}


async def _staff(
    session: AsyncSession, principal: Principal, room_id: int, msg: BaseModel
) -> dict[str, Any]:
    if isinstance(msg, Moderate):
        q = await services.moderate(
            session,
            principal,
            room_id,
            msg.question_id,
            msg.op,
            reason=msg.reason,
            body=msg.body,
            target_id=msg.target_id,
        )
        return {"question_id": q.id}
    if isinstance(msg, RoomControl):
        await services.update_room(
            session, principal, room_id, status=msg.status, premoderated=msg.premoderated
        )
        return {}
    if isinstance(msg, AskInPerson):
        q = await services.ask_in_person(session, principal, room_id, msg.body, msg.attendee_name)
        return {"question_id": q.id}
    if isinstance(msg, PollCreate):
        poll = await polls.create_poll(
            session, principal, room_id, kind=msg.kind, prompt=msg.prompt, options=msg.options
        )
        return {"poll_id": poll.id}
    if isinstance(msg, PollControl):
        await polls.poll_action(session, principal, room_id, msg.poll_id, msg.op)
        return {"poll_id": msg.poll_id}
    assert isinstance(msg, Ban)
    await services.ban(session, principal, room_id, msg.participant_id, msg.reason)
    return {}
