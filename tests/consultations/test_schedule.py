"""Statuses that follow the calendar: collecting ends, the consultation closes by itself."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from deliberation.events.bus import InProcessBus
from deliberation.models import Consultation, ConsultationStatus
from deliberation.services import consultations as service
from deliberation.services import schedule
from tests.conftest import make_settings
from tests.consultations.conftest import TODAY, make_consultation, principal
from tests.helpers import create_user


async def _status(session, consultation_id: int) -> ConsultationStatus:
    return await session.scalar(
        select(Consultation.status)
        .where(Consultation.id == consultation_id)
        .execution_options(populate_existing=True)
    )


async def test_collecting_end_closes_a_published_consultation_once(db, session, cast):
    bus = InProcessBus()
    seen = []

    async def handler(event):
        seen.append(event)

    bus.subscribe(handler, {"consultation.status_changed"})
    await bus.start()
    db.bus = bus
    try:
        async with db.session() as work:
            # The collecting phase's last day (TODAY + 20) still belongs to it.
            assert await schedule.close_finished(work, TODAY + timedelta(days=20)) == []
        async with db.session() as work:
            closed = await schedule.close_finished(work, TODAY + timedelta(days=21))
        assert closed == [cast.consultation.id]
        async with db.session() as work:  # a second pass (or another process) changes nothing
            assert await schedule.close_finished(work, TODAY + timedelta(days=21)) == []
        for _ in range(50):
            if seen:
                break
            await asyncio.sleep(0.01)
    finally:
        await bus.stop()
    assert await _status(session, cast.consultation.id) is ConsultationStatus.CLOSED
    assert [(e.consultation_id, e.status, e.automatic) for e in seen] == [
        (cast.consultation.id, "closed", True)
    ]


async def test_drafts_and_consultations_without_collecting_stay(session, cast):
    draft = await make_consultation(session, cast.facilitator, title="Szkic bez publikacji")
    no_phase = await make_consultation(session, cast.facilitator, title="Bez zbierania uwag")
    await service.set_phases(session, await principal(session, cast.facilitator), no_phase, {})
    await service.advance_status(session, no_phase, ConsultationStatus.PUBLISHED)
    closed = await schedule.close_finished(session, TODAY + timedelta(days=400))
    assert closed == [cast.consultation.id]
    assert await _status(session, draft.id) is ConsultationStatus.DRAFT
    assert await _status(session, no_phase.id) is ConsultationStatus.PUBLISHED


def test_local_today_is_the_city_calendar_day():
    # 23:30 UTC on 31 December is already 1 January in Warsaw (UTC+1 in winter).
    late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert schedule.local_today(late).isoformat() == "2027-01-01"


async def test_every_server_closes_ended_consultations_in_the_background(migrated, committed_db):
    from deliberation.app import create_app
    from deliberation.features import load_features
    from deliberation.models import Role

    async with committed_db.session() as session:
        facilitator = await create_user(session, Role.FACILITATOR)
        consultation = await make_consultation(session, facilitator)
        await service.set_phases(
            session,
            await principal(session, facilitator),
            consultation,
            {
                service.PhaseKind.COLLECTING: (
                    TODAY - timedelta(days=30),
                    TODAY - timedelta(days=2),
                )
            },
        )
        await service.advance_status(session, consultation, ConsultationStatus.PUBLISHED)
    app = create_app(
        make_settings(migrated, status_interval_seconds=0.05),
        database=committed_db,
        features=load_features(),
        configure_logs=False,
    )
    async with app.router.lifespan_context(app):
        for _ in range(200):
            async with committed_db.session() as session:
                if await _status(session, consultation.id) is ConsultationStatus.CLOSED:
                    break
            await asyncio.sleep(0.05)
    async with committed_db.session() as session:
        assert await _status(session, consultation.id) is ConsultationStatus.CLOSED
