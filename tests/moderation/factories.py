"""Consultations, staff and comments for the comments and moderation tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from deliberation.db import utcnow
from deliberation.models import (
    Consultation,
    ConsultationRole,
    ConsultationStatus,
    Participant,
    Role,
    StaffRole,
    User,
)
from deliberation.models.comments import Comment
from deliberation.services import accounts, participants
from deliberation.services import comments as svc
from tests.conftest import TEST_SECRET
from tests.helpers import create_user

_n = iter(range(10**9))


async def make_consultation(
    session: AsyncSession, status: ConsultationStatus = ConsultationStatus.PUBLISHED
) -> Consultation:
    n = next(_n)
    consultation = Consultation(
        slug=f"konsultacje-{n}-{id(session)}",
        title=f"Konsultacje parku {n}",
        status=status,
        published_at=utcnow(),
    )
    session.add(consultation)
    await session.commit()
    return consultation


async def make_staff(
    session: AsyncSession, consultation: Consultation, role: StaffRole, global_role: Role
) -> User:
    user = await create_user(session, global_role)
    session.add(ConsultationRole(consultation_id=consultation.id, user_id=user.id, role=role))
    await session.commit()
    return user


async def participant_of(session: AsyncSession, user: User) -> Participant:
    return await participants.ensure_participant(
        session, secret_key=TEST_SECRET, participant_secret=None, user=user
    )


async def post(
    session: AsyncSession,
    consultation: Consultation,
    user: User,
    body: str = "Więcej drzew w parku, proszę.",
    **kw: Any,
) -> Comment:
    principal = await accounts.principal_for(session, user)
    participant = await participant_of(session, user)
    return await svc.post_comment(
        session,
        principal,
        consultation,
        user=user,
        participant=participant,
        body=body,
        network="test-network",
        **kw,
    )
