"""The per-room event log: a gap-free sequence written in the same transaction as the change.

A service locks the room row first (``lock_room``), which serialises the room's writers, then
appends events with ``emit``; ``rooms.last_seq`` and the rows of ``room_events`` commit together.
After the commit, ``commit_room`` tells the process's hub that the room advanced.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.errors import NotFound
from deliberation.events import commit
from rooms.models import Room, RoomEvent

HUB = "room_hub"
_ADVANCES = "room_advances"
# Event types that may wait for the next coalesced flush (a few per second).
LAZY_TYPES = frozenset({"question.voted", "poll.answered"})


class Notifier(Protocol):
    def advanced(self, room_id: int, seq: int, *, urgent: bool) -> None: ...


@dataclass(frozen=True)
class Advance:
    room_id: int
    seq: int
    urgent: bool


async def lock_room(session: AsyncSession, room_id: int) -> Room:
    """The room, locked for this transaction (FOR UPDATE; SQLite writers are serialised)."""
    room = await session.scalar(
        select(Room)
        .where(Room.id == room_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if room is None:
        raise NotFound()
    return room


def emit(
    session: AsyncSession, room: Room, type: str, data: dict[str, Any], *, audience: str = "all"
) -> RoomEvent:
    """Append an event with the room's next number; the caller holds the room lock."""
    room.last_seq += 1
    event = RoomEvent(room_id=room.id, seq=room.last_seq, type=type, audience=audience, data=data)
    session.add(event)
    staged: list[Advance] = session.info.setdefault(_ADVANCES, [])
    staged.append(Advance(room.id, room.last_seq, type not in LAZY_TYPES))
    return event


def stage(session: AsyncSession, room_id: int, seq: int, type: str) -> None:
    """Note an event written with plain SQL (the caller held the room's lock), for the hub."""
    staged: list[Advance] = session.info.setdefault(_ADVANCES, [])
    staged.append(Advance(room_id, seq, type not in LAZY_TYPES))


async def commit_room(session: AsyncSession) -> None:
    """Commit, then tell the hub (if any) which rooms advanced to which number.

    While an urgent event commits, the hub holds a vote flush that falls due (briefly), so the
    event does not wait for a fan-out pass of its own votes' flush.
    """
    hub: Notifier | None = session.info.get(HUB)
    staged: list[Advance] = session.info.get(_ADVANCES, [])
    acting = getattr(hub, "acting", None)
    try:
        with contextlib.ExitStack() as stack:
            if acting is not None:
                for room_id in sorted({a.room_id for a in staged if a.urgent}):
                    stack.enter_context(acting(room_id, commit=True))
            await commit(session)
    except BaseException:
        session.info.pop(_ADVANCES, None)
        raise
    advances: list[Advance] = session.info.pop(_ADVANCES, [])
    if hub is None:
        return
    latest: dict[int, Advance] = {}
    for adv in advances:
        prev = latest.get(adv.room_id)
        urgent = adv.urgent or (prev.urgent if prev else False)
        latest[adv.room_id] = Advance(adv.room_id, adv.seq, urgent)
    for adv in latest.values():
        hub.advanced(adv.room_id, adv.seq, urgent=adv.urgent)


async def rollback_room(session: AsyncSession) -> None:
    session.info.pop(_ADVANCES, None)
    await session.rollback()


async def events_after(
    session: AsyncSession, room_id: int, after: int, *, limit: int = 1000
) -> Sequence[RoomEvent]:
    rows = await session.scalars(
        select(RoomEvent)
        .where(RoomEvent.room_id == room_id, RoomEvent.seq > after)
        .order_by(RoomEvent.seq)
        .limit(limit)
    )
    return rows.all()
