"""Live polls: single choice, multiple choice, rating scale and word cloud."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.errors import Conflict, NotFound, ValidationFailed
from deliberation.i18n import _l
from deliberation.models import Participant
from deliberation.permissions import Principal, authorize
from rooms import log
from rooms.models import Poll, PollAnswer, PollKind, PollStatus, Room
from rooms.permissions import ROOM_FACILITATE
from rooms.schema import poll_data, poll_results
from rooms.services import _insert, active_member, room_scope

MAX_OPTIONS = 10
MAX_WORDS = 3


async def results(session: AsyncSession, poll: Poll) -> dict[str, Any]:
    values = list(
        await session.scalars(select(PollAnswer.value).where(PollAnswer.poll_id == poll.id))
    )
    return poll_results(poll, values)


def _options(kind: PollKind, options: list[str]) -> list[Any]:
    if kind is PollKind.WORDS:
        return []
    if kind is PollKind.RATING:
        return [1, 5]
    cleaned = [" ".join(o.split())[:120] for o in options if o and o.strip()]
    if not 2 <= len(cleaned) <= MAX_OPTIONS:
        raise ValidationFailed(
            fields={"options": _l("Give between 2 and %(n)s options.", n=MAX_OPTIONS)}
        )
    return cleaned


async def create_poll(
    session: AsyncSession,
    principal: Principal,
    room_id: int,
    *,
    kind: PollKind,
    prompt: str,
    options: list[str],
) -> Poll:
    """Prepare a poll (a draft until opened). Emits poll.updated."""
    room = await log.lock_room(session, room_id)
    authorize(principal, ROOM_FACILITATE, await room_scope(session, room))
    prompt = " ".join(prompt.split())
    if not prompt or len(prompt) > 300:
        raise ValidationFailed(fields={"prompt": _l("Enter at most %(n)s characters.", n=300)})
    poll = Poll(room_id=room.id, kind=kind, prompt=prompt, options=_options(kind, options))
    session.add(poll)
    await session.flush()
    log.emit(session, room, "poll.updated", poll_data(poll, await results(session, poll)))
    await log.commit_room(session)
    return poll


POLL_OPS = ("open", "close", "reveal", "conceal")


async def poll_action(
    session: AsyncSession, principal: Principal, room_id: int, poll_id: int, op: str
) -> Poll:
    """Open, close, reveal or conceal a poll's results. Emits poll.updated."""
    if op not in POLL_OPS:
        raise ValidationFailed(fields={"op": _l("Choose one of the options.")})
    room = await log.lock_room(session, room_id)
    authorize(principal, ROOM_FACILITATE, await room_scope(session, room))
    poll = await _poll(session, room, poll_id)
    if op == "open":
        poll.status = PollStatus.OPEN
    elif op == "close":
        poll.status = PollStatus.CLOSED
    else:
        poll.revealed = op == "reveal"
    log.emit(session, room, "poll.updated", poll_data(poll, await results(session, poll)))
    await log.commit_room(session)
    return poll


async def _poll(session: AsyncSession, room: Room, poll_id: int) -> Poll:
    poll = await session.get(Poll, poll_id, populate_existing=True)
    if poll is None or poll.room_id != room.id:
        raise NotFound()
    return poll


def _answer_value(poll: Poll, value: Any) -> Any:
    bad = ValidationFailed(fields={"value": _l("Choose one of the options.")})
    if poll.kind is PollKind.SINGLE:
        if not isinstance(value, int) or not 0 <= value < len(poll.options):
            raise bad
        return value
    if poll.kind is PollKind.MULTIPLE:
        if not isinstance(value, list) or not value:
            raise bad
        chosen = sorted({v for v in value if isinstance(v, int) and 0 <= v < len(poll.options)})
        if len(chosen) != len(set(value)):
            raise bad
        return chosen
    if poll.kind is PollKind.RATING:
        low, high = poll.options
        if not isinstance(value, int) or not low <= value <= high:
            raise bad
        return value
    words = " ".join(str(value).split()) if isinstance(value, str) else ""
    if not words or len(words.split()) > MAX_WORDS or len(words) > 60:
        raise ValidationFailed(fields={"value": _l("Give one to three words.")})
    return words


async def answer(
    session: AsyncSession, room_id: int, poll_id: int, participant: Participant, value: Any
) -> None:
    """Answer an open poll (a new answer replaces the previous one). Emits poll.answered."""
    await active_member(session, room_id, participant.id)
    room = await log.lock_room(session, room_id)
    poll = await _poll(session, room, poll_id)
    if poll.status is not PollStatus.OPEN:
        raise Conflict(_l("This poll is not open."))
    clean = _answer_value(poll, value)
    await session.execute(
        _insert(session)(PollAnswer)
        .values(poll_id=poll.id, participant_id=participant.id, value=clean)
        .on_conflict_do_update(index_elements=["poll_id", "participant_id"], set_={"value": clean})
    )
    log.emit(session, room, "poll.answered", poll_data(poll, await results(session, poll)))
    await log.commit_room(session)


async def room_polls(session: AsyncSession, room_id: int) -> list[tuple[Poll, dict[str, Any]]]:
    polls = list(
        await session.scalars(select(Poll).where(Poll.room_id == room_id).order_by(Poll.id))
    )
    return [(p, await results(session, p)) for p in polls]
