"""Room fixtures: a published consultation with a facilitator and a room."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.models import (
    Consultation,
    ConsultationRole,
    ConsultationStatus,
    Participant,
    Role,
    StaffRole,
)
from deliberation.services import accounts, participants
from rooms import services
from tests.helpers import create_user

_n = iter(range(10**9))


@dataclass
class Setup:
    consultation_id: int
    room_id: int
    code: str
    projector_key: str
    facilitator_id: int
    facilitator_email: str
    principal: Any


async def make_setup(session: AsyncSession, **room: Any) -> Setup:
    facilitator = await create_user(session, Role.FACILITATOR)
    n = next(_n)
    consultation = Consultation(
        slug=f"room-test-{n}-{id(session)}",
        title="Park w centrum",
        summary="Jak ma wyglądać park?",
        status=ConsultationStatus.PUBLISHED,
    )
    session.add(consultation)
    await session.flush()
    session.add(
        ConsultationRole(
            consultation_id=consultation.id, user_id=facilitator.id, role=StaffRole.FACILITATOR
        )
    )
    await session.commit()
    principal = await accounts.principal_for(session, facilitator)
    created = await services.create_room(
        session, principal, consultation.id, title=room.pop("title", "Spotkanie"), **room
    )
    return Setup(
        consultation_id=consultation.id,
        room_id=created.id,
        code=created.code,
        projector_key=created.projector_key,
        facilitator_id=facilitator.id,
        facilitator_email=str(facilitator.email),
        principal=principal,
    )


async def make_member(session: AsyncSession, setup: Setup, name: str | None = None) -> Participant:
    secret = participants.new_participant_secret()
    participant = await participants.ensure_participant(
        session, secret_key="k" * 40, participant_secret=secret, user=None
    )
    room = await services.find_room(session, setup.code)
    await services.join(session, room, participant, name)
    return participant


@pytest.fixture
async def setup(session: AsyncSession) -> Setup:
    return await make_setup(session)
