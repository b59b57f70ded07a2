"""Statuses that follow the calendar: a published consultation closes when collecting ends.

Phases are calendar days in the city's time zone, inclusive. The day after the collecting
phase's last day, a published consultation becomes closed (no more input through any channel),
exactly as if its staff had pressed "close". The report is still published by people.

Every server process runs ``keep_statuses`` in the background (see ``deliberation.app``); the
change is one conditional UPDATE, so processes running it at the same moment close each
consultation once and emit one event. ``deliberation update-statuses`` does the same from cron.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import Database, utcnow
from deliberation.events import catalogue as ev
from deliberation.events import commit, record
from deliberation.models import Consultation, ConsultationStatus, Phase, PhaseKind

log = logging.getLogger(__name__)

# Phase dates are the city's calendar days.
CITY_TIMEZONE = ZoneInfo("Europe/Warsaw")


def local_today(now: datetime | None = None) -> date:
    """Today in the city (the server's clock is UTC)."""
    return (now or utcnow()).astimezone(CITY_TIMEZONE).date()


async def close_finished(session: AsyncSession, today: date) -> list[int]:
    """Close published consultations whose collecting phase ended before ``today``.

    Returns the ids closed by this call. Emits consultation.status_changed (automatic).
    """
    finished = select(Phase.consultation_id).where(
        Phase.kind == PhaseKind.COLLECTING, Phase.ends_on < today
    )
    result = await session.execute(
        update(Consultation)
        .where(
            Consultation.status == ConsultationStatus.PUBLISHED,
            Consultation.id.in_(finished),
        )
        .values(status=ConsultationStatus.CLOSED, updated_at=utcnow())
        .returning(Consultation.id)
        .execution_options(synchronize_session=False)
    )
    closed = sorted(result.scalars())
    for consultation_id in closed:
        record(
            session,
            ev.ConsultationStatusChanged(
                consultation_id=consultation_id,
                status=ConsultationStatus.CLOSED.value,
                automatic=True,
            ),
        )
    await commit(session)
    return closed


async def update_statuses(database: Database, today: date | None = None) -> list[int]:
    """One pass in a session of its own; returns the consultations closed."""
    async with database.session() as session:
        closed = await close_finished(session, today or local_today())
    if closed:
        log.info("collecting ended: closed consultations %s", closed)
    return closed


async def keep_statuses(database: Database, interval: float) -> None:
    """Run ``update_statuses`` now and every ``interval`` seconds until cancelled."""
    while True:
        try:
            await update_statuses(database)
        except asyncio.CancelledError:
            raise
        except Exception:  # a database hiccup must not stop the loop; the next pass retries
            log.exception("updating consultation statuses failed")
        await asyncio.sleep(interval)
