"""Events staged on a session are published only once its transaction has committed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from deliberation.events.catalogue import Event

if TYPE_CHECKING:
    from deliberation.events.bus import EventBus

_PENDING = "pending_events"
_BUS = "event_bus"


def attach_bus(session: AsyncSession, bus: EventBus | None) -> None:
    session.info[_BUS] = bus


def record(session: AsyncSession, event: Event) -> None:
    """Stage an event; it is delivered by ``commit`` after the transaction commits."""
    session.info.setdefault(_PENDING, []).append(event)


async def commit(session: AsyncSession) -> None:
    """Commit, then publish what was staged. A failed commit publishes nothing."""
    try:
        await session.commit()
    except BaseException:
        session.info.pop(_PENDING, None)
        raise
    events: list[Event] = session.info.pop(_PENDING, [])
    bus: EventBus | None = session.info.get(_BUS)
    if events and bus is not None:
        await bus.publish(events)


def discard(session: AsyncSession) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, _previous: object) -> None:
    """What a rolled-back transaction staged never happened, so it is never published."""
    session.info.pop(_PENDING, None)
