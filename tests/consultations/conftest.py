"""Fixtures for consultations: staff users and a published consultation with phases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from deliberation.models import Consultation, ConsultationStatus, Role, StaffRole, User
from deliberation.permissions import Principal
from deliberation.services import accounts
from deliberation.services import consultations as service
from tests.helpers import create_user


@dataclass
class Cast:
    admin: User
    facilitator: User  # assigned to the consultation
    other_facilitator: User  # not assigned
    moderator: User  # assigned as moderator
    resident: User
    consultation: Consultation


async def principal(session: Any, user: User | None) -> Principal:
    return await accounts.principal_for(session, user)


TODAY = date.today()


async def make_consultation(
    session: Any, facilitator: User, *, title: str = "Odnowa parku Zielony Jar", **kw: Any
) -> Consultation:
    consultation = await service.create_consultation(
        session,
        title=title,
        created_by_id=facilitator.id,
        details=service.Details(
            title=title,
            summary=kw.pop("summary", "Miasto chce odnowić park. Powiedz, czego potrzebujesz."),
            description=kw.pop("description", "## Co planujemy\n\nNowe ławki i **światło**."),
            topic=kw.pop("topic", "zieleń"),
            area=kw.pop("area", "Gołonóg"),
            area_kind=kw.pop("area_kind", service.AreaKind.DISTRICT),
            participation_forms=[
                service.ParticipationForm.ONLINE,
                service.ParticipationForm.MEETING,
            ],
        ),
    )
    who = await principal(session, facilitator)
    await service.set_phases(
        session,
        who,
        consultation,
        {
            service.PhaseKind.INFORMATION: (TODAY - timedelta(days=10), TODAY - timedelta(days=5)),
            service.PhaseKind.COLLECTING: (TODAY - timedelta(days=4), TODAY + timedelta(days=20)),
        },
    )
    return consultation


@pytest.fixture
async def cast(session: Any) -> Cast:
    admin = await create_user(session, Role.ADMIN)
    facilitator = await create_user(session, Role.FACILITATOR)
    other = await create_user(session, Role.FACILITATOR)
    moderator = await create_user(session, Role.MODERATOR)
    resident = await create_user(session, Role.RESIDENT)
    consultation = await make_consultation(session, facilitator)
    await accounts.assign_staff(
        session, consultation_id=consultation.id, user_id=moderator.id, role=StaffRole.MODERATOR
    )
    await service.advance_status(session, consultation, ConsultationStatus.PUBLISHED)
    return Cast(admin, facilitator, other, moderator, resident, consultation)
